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
