package api_test

import (
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/api"
)

func TestDefaultTolerationSecondsAddsWhatThePodLacks(t *testing.T) {
	notReady := corev1.Toleration{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](7)}
	unreachable := corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](9)}
	tests := []struct {
		name string
		own  []corev1.Toleration
		want int // tolerations after
		keys []string
	}{
		{"none: both added", nil, 2, []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable}},
		{"its own unreachable, for ever: kept, not-ready added",
			[]corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists}}, 2, []string{corev1.TaintNodeUnreachable, corev1.TaintNodeNotReady}},
		{"every taint tolerated: nothing added", []corev1.Toleration{{Operator: corev1.TolerationOpExists}}, 1, []string{""}},
		{"a NoSchedule toleration does not count", []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
			3, []string{corev1.TaintNodeNotReady, corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := &corev1.PodSpec{Tolerations: tt.own}
			api.DefaultTolerationSeconds(spec, 7, 9)
			if len(spec.Tolerations) != tt.want {
				t.Fatalf("tolerations = %+v, want %d", spec.Tolerations, tt.want)
			}
			for i, k := range tt.keys {
				if spec.Tolerations[i].Key != k {
					t.Errorf("toleration %d = %q, want %q", i, spec.Tolerations[i].Key, k)
				}
			}
			for _, tol := range spec.Tolerations[len(tt.own):] {
				if tol != notReady && tol != unreachable && !(tol.Key == notReady.Key && *tol.TolerationSeconds == 7) &&
					!(tol.Key == unreachable.Key && *tol.TolerationSeconds == 9) {
					t.Errorf("added %+v, want the default not-ready (7s) or unreachable (9s) toleration", tol)
				}
			}
		})
	}
}

func TestJobDefaultsAndGeneratedSelector(t *testing.T) {
	r := resourceOf(t, "batch", "jobs")
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "pi", UID: "u-1"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "c", Image: "ownkube/crasher"}}}}}}
	r.Strategy.Default(job)
	r.Strategy.PrepareForCreate(job)
	if *job.Spec.Completions != 1 || *job.Spec.Parallelism != 1 || *job.Spec.BackoffLimit != 6 {
		t.Errorf("completions, parallelism, backoffLimit = %d, %d, %d; want 1, 1, 6", *job.Spec.Completions, *job.Spec.Parallelism, *job.Spec.BackoffLimit)
	}
	if job.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] != "u-1" || job.Spec.Template.Labels["job-name"] != "pi" ||
		job.Spec.Template.Labels["controller-uid"] != "u-1" || job.Spec.Template.Labels[batchv1.JobNameLabel] != "pi" {
		t.Errorf("selector %v, template labels %v", job.Spec.Selector, job.Spec.Template.Labels)
	}
	if errs := r.Strategy.Validate(job); len(errs) > 0 {
		t.Errorf("a defaulted Job is invalid: %v", errs)
	}
	always := job.DeepCopy()
	always.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
	if errs := r.Strategy.Validate(always); len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), "restartPolicy") {
		t.Errorf("restartPolicy Always accepted: %v", errs)
	}
	mine := job.DeepCopy()
	mine.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] = "someone-else"
	if errs := r.Strategy.Validate(mine); len(errs) == 0 {
		t.Error("a selector of another UID was accepted without manualSelector")
	}
	changed := job.DeepCopy()
	changed.Spec.Completions = ptr.To[int32](3)
	if errs := r.Strategy.ValidateUpdate(changed, job); len(errs) == 0 {
		t.Error("completions changed on update")
	}
}

// cronJob is a valid CronJob once defaulted: every minute, a pod that is
// never restarted.
func cronJob() *batchv1.CronJob {
	return &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "nightly", Namespace: "default"},
		Spec: batchv1.CronJobSpec{Schedule: "*/1 * * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
				Containers: []corev1.Container{{Name: "c", Image: "ownkube/crasher"}}}}}}}}
}

func TestCronJobDefaultsAsKubesAndClearsItsStatusOnCreate(t *testing.T) {
	r := resourceOf(t, "batch", "cronjobs")
	if r.Kind != "CronJob" || !r.Namespaced || !r.HasSubresource("status") || strings.Join(r.ShortNames, ",") != "cj" ||
		strings.Join(r.Categories, ",") != "all" {
		t.Errorf("served as %+v", r)
	}
	cj := cronJob()
	cj.Status.LastScheduleTime = &metav1.Time{}
	r.Strategy.Default(cj)
	r.Strategy.PrepareForCreate(cj)
	s := cj.Spec
	if s.ConcurrencyPolicy != batchv1.AllowConcurrent || *s.Suspend || *s.SuccessfulJobsHistoryLimit != 3 || *s.FailedJobsHistoryLimit != 1 {
		t.Errorf("concurrencyPolicy %q, suspend %v, history limits %d/%d; want Allow, false, 3/1",
			s.ConcurrencyPolicy, *s.Suspend, *s.SuccessfulJobsHistoryLimit, *s.FailedJobsHistoryLimit)
	}
	if pod := s.JobTemplate.Spec.Template.Spec; pod.DNSPolicy != corev1.DNSClusterFirst || pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("the pod template is not defaulted as a Job's: dnsPolicy %q, restartPolicy %q", pod.DNSPolicy, pod.RestartPolicy)
	}
	if s.JobTemplate.Spec.BackoffLimit != nil || s.JobTemplate.Spec.Completions != nil {
		t.Error("the Job's own defaults belong to each Job made from the template, not to the template")
	}
	if cj.Status.LastScheduleTime != nil {
		t.Error("a client's status survived create")
	}
	if errs := r.Strategy.Validate(cj); len(errs) > 0 {
		t.Errorf("a defaulted CronJob is invalid: %v", errs)
	}
	forbid := cronJob()
	forbid.Spec.ConcurrencyPolicy = batchv1.ForbidConcurrent
	r.Strategy.Default(forbid)
	if forbid.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
		t.Errorf("a given concurrencyPolicy was overwritten: %q", forbid.Spec.ConcurrencyPolicy)
	}
}

func TestCronJobValidationNamesTheFieldAtFault(t *testing.T) {
	r := resourceOf(t, "batch", "cronjobs")
	tests := []struct {
		name   string
		change func(*batchv1.CronJob)
		field  string // "" for valid
	}{
		{"every minute", func(*batchv1.CronJob) {}, ""},
		{"a descriptor", func(cj *batchv1.CronJob) { cj.Spec.Schedule = "@hourly" }, ""},
		{"an interval", func(cj *batchv1.CronJob) { cj.Spec.Schedule = "@every 90s" }, ""},
		{"named days", func(cj *batchv1.CronJob) { cj.Spec.Schedule = "30 6 * * MON-FRI" }, ""},
		{"a zone", func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr.To("Europe/Berlin") }, ""},
		{"Forbid", func(cj *batchv1.CronJob) { cj.Spec.ConcurrencyPolicy = batchv1.ForbidConcurrent }, ""},
		{"a deadline of 0", func(cj *batchv1.CronJob) { cj.Spec.StartingDeadlineSeconds = ptr.To[int64](0) }, ""},
		{"no schedule", func(cj *batchv1.CronJob) { cj.Spec.Schedule = "" }, "spec.schedule"},
		{"minute 61", func(cj *batchv1.CronJob) { cj.Spec.Schedule = "61 * * * *" }, "spec.schedule"},
		{"six fields", func(cj *batchv1.CronJob) { cj.Spec.Schedule = "0 * * * * *" }, "spec.schedule"},
		{"an unknown descriptor", func(cj *batchv1.CronJob) { cj.Spec.Schedule = "@fortnightly" }, "spec.schedule"},
		{"a zone in the schedule", func(cj *batchv1.CronJob) { cj.Spec.Schedule = "TZ=UTC 0 * * * *" }, "spec.schedule"},
		{"an unknown zone", func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr.To("Mars/Olympus_Mons") }, "spec.timeZone"},
		{"the Local zone", func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr.To("Local") }, "spec.timeZone"},
		{"an empty zone", func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr.To("") }, "spec.timeZone"},
		{"an unknown concurrencyPolicy", func(cj *batchv1.CronJob) { cj.Spec.ConcurrencyPolicy = "Sometimes" }, "spec.concurrencyPolicy"},
		{"a negative deadline", func(cj *batchv1.CronJob) { cj.Spec.StartingDeadlineSeconds = ptr.To[int64](-1) }, "spec.startingDeadlineSeconds"},
		{"a negative history", func(cj *batchv1.CronJob) { cj.Spec.FailedJobsHistoryLimit = ptr.To[int32](-1) }, "spec.failedJobsHistoryLimit"},
		{"a pod restarted Always", func(cj *batchv1.CronJob) {
			cj.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
		}, "spec.jobTemplate.spec.template.spec.restartPolicy"},
		{"no containers", func(cj *batchv1.CronJob) { cj.Spec.JobTemplate.Spec.Template.Spec.Containers = nil },
			"spec.jobTemplate.spec.template.spec.containers"},
		{"a selector of its own", func(cj *batchv1.CronJob) {
			cj.Spec.JobTemplate.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}
		}, "spec.jobTemplate.spec.selector"},
		{"a name too long for its Jobs' names", func(cj *batchv1.CronJob) { cj.Name = strings.Repeat("n", 53) }, "metadata.name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cj := cronJob()
			tt.change(cj)
			r.Strategy.Default(cj)
			errs := r.Strategy.Validate(cj)
			if tt.field == "" {
				if len(errs) > 0 {
					t.Fatalf("refused: %v", errs)
				}
				return
			}
			if len(errs) == 0 {
				t.Fatalf("accepted, want an error on %s", tt.field)
			}
			for _, e := range errs {
				if e.Field != tt.field {
					t.Errorf("error on %s (%v), want only %s", e.Field, e, tt.field)
				}
			}
		})
	}
}
