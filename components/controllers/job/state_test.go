package job

import (
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

var now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func testJob(completions *int32, parallelism, backoff int32, policy corev1.RestartPolicy) *batchv1.Job {
	return &batchv1.Job{Spec: batchv1.JobSpec{Completions: completions, Parallelism: ptr.To(parallelism), BackoffLimit: ptr.To(backoff),
		Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: policy}}}}
}

func pod(phase corev1.PodPhase, opts ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{Status: corev1.PodStatus{Phase: phase}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func deleted(p *corev1.Pod) { p.DeletionTimestamp = ptr.To(metav1.NewTime(now)) }

func restarted(n int32) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Status.ContainerStatuses = []corev1.ContainerStatus{{RestartCount: n}} }
}

func TestObserveCountsPodsAndDecidesTheJobsFate(t *testing.T) {
	tests := []struct {
		name       string
		job        *batchv1.Job
		pods       []*corev1.Pod
		wantActive int32
		succeeded  int32
		failed     int32
		complete   bool
		failReason string
	}{
		{"new: parallelism pods, no more than completions", testJob(ptr.To[int32](3), 2, 6, corev1.RestartPolicyNever), nil, 2, 0, 0, false, ""},
		{"one completion left", testJob(ptr.To[int32](3), 2, 6, corev1.RestartPolicyNever),
			[]*corev1.Pod{pod(corev1.PodSucceeded), pod(corev1.PodSucceeded), pod(corev1.PodRunning)}, 1, 2, 0, false, ""},
		{"completions reached", testJob(ptr.To[int32](2), 2, 6, corev1.RestartPolicyNever),
			[]*corev1.Pod{pod(corev1.PodSucceeded), pod(corev1.PodSucceeded)}, 0, 2, 0, true, ""},
		{"failures up to the limit are retried", testJob(ptr.To[int32](1), 1, 2, corev1.RestartPolicyNever),
			[]*corev1.Pod{pod(corev1.PodFailed), pod(corev1.PodFailed)}, 1, 0, 2, false, ""},
		{"one failure past the limit fails the Job", testJob(ptr.To[int32](1), 1, 2, corev1.RestartPolicyNever),
			[]*corev1.Pod{pod(corev1.PodFailed), pod(corev1.PodFailed), pod(corev1.PodFailed)}, 0, 0, 3, false, "BackoffLimitExceeded"},
		{"a pod deleted before it ended counts as failed", testJob(ptr.To[int32](1), 1, 0, corev1.RestartPolicyNever),
			[]*corev1.Pod{pod(corev1.PodRunning, deleted)}, 0, 0, 1, false, "BackoffLimitExceeded"},
		{"OnFailure counts restarts", testJob(ptr.To[int32](1), 1, 2, corev1.RestartPolicyOnFailure),
			[]*corev1.Pod{pod(corev1.PodRunning, restarted(3))}, 0, 0, 0, false, "BackoffLimitExceeded"},
		{"Never does not count restarts", testJob(ptr.To[int32](1), 1, 2, corev1.RestartPolicyNever),
			[]*corev1.Pod{pod(corev1.PodRunning, restarted(3))}, 1, 0, 0, false, ""},
		{"no completions: parallelism until one succeeds", testJob(nil, 3, 6, corev1.RestartPolicyNever), nil, 3, 0, 0, false, ""},
		{"no completions: none new once one succeeded", testJob(nil, 3, 6, corev1.RestartPolicyNever),
			[]*corev1.Pod{pod(corev1.PodSucceeded), pod(corev1.PodRunning)}, 1, 1, 0, false, ""},
		{"no completions: complete once the rest ended", testJob(nil, 3, 6, corev1.RestartPolicyNever),
			[]*corev1.Pod{pod(corev1.PodSucceeded), pod(corev1.PodSucceeded)}, 0, 2, 0, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := observe(tt.job, tt.pods, now)
			if st.failReason != tt.failReason {
				t.Fatalf("failReason = %q, want %q", st.failReason, tt.failReason)
			}
			if tt.failReason == "" && st.wantActive != tt.wantActive {
				t.Errorf("wantActive = %d, want %d", st.wantActive, tt.wantActive)
			}
			if st.succeeded != tt.succeeded || st.failed != tt.failed || st.complete != tt.complete {
				t.Errorf("succeeded, failed, complete = %d, %d, %t; want %d, %d, %t", st.succeeded, st.failed, st.complete,
					tt.succeeded, tt.failed, tt.complete)
			}
		})
	}
}

func TestCountsNeverGoDownAndFreezeOnceDecided(t *testing.T) {
	job := testJob(ptr.To[int32](5), 1, 6, corev1.RestartPolicyNever)
	job.Status.Succeeded, job.Status.Failed = 2, 1
	if st := observe(job, nil, now); st.succeeded != 2 || st.failed != 1 {
		t.Errorf("pods deleted by hand lowered the counts to %d, %d", st.succeeded, st.failed)
	}
	job.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, Reason: "DeadlineExceeded"}}
	st := observe(job, []*corev1.Pod{pod(corev1.PodRunning, deleted), pod(corev1.PodFailed), pod(corev1.PodFailed)}, now)
	if st.failed != 1 || st.failReason != "DeadlineExceeded" {
		t.Errorf("after FailureTarget: failed = %d, reason %q; want the counts frozen at 1 and the reason kept", st.failed, st.failReason)
	}
}

func TestActiveDeadlineFailsTheJobOnceItPasses(t *testing.T) {
	job := testJob(ptr.To[int32](1), 1, 6, corev1.RestartPolicyNever)
	job.Spec.ActiveDeadlineSeconds = ptr.To[int64](10)
	job.Status.StartTime = ptr.To(metav1.NewTime(now.Add(-4 * time.Second)))
	if st := observe(job, []*corev1.Pod{pod(corev1.PodRunning)}, now); st.failReason != "" || st.deadlineIn != 6*time.Second {
		t.Errorf("4s into a 10s deadline: reason %q, deadlineIn %s; want none and 6s", st.failReason, st.deadlineIn)
	}
	job.Status.StartTime = ptr.To(metav1.NewTime(now.Add(-10 * time.Second)))
	if st := observe(job, []*corev1.Pod{pod(corev1.PodRunning)}, now); st.failReason != "DeadlineExceeded" {
		t.Errorf("at the deadline: reason %q, want DeadlineExceeded", st.failReason)
	}
}
