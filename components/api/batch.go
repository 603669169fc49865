package api

import (
	"math"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

// The labels kube put on Job pods before batch.kubernetes.io/ ones; it
// still sets both.
const (
	legacyJobNameLabel       = "job-name"
	legacyControllerUIDLabel = "controller-uid"
)

type jobStrategy struct{ plainStrategy }

// Default fills in a Job as kube's SetDefaults_Job does: one completion and
// parallelism one when neither is given, a backoffLimit of 6, the
// template's labels on the Job when it has none.
func (jobStrategy) Default(obj runtime.Object) {
	job := obj.(*batchv1.Job)
	if job.Spec.Completions == nil && job.Spec.Parallelism == nil {
		job.Spec.Completions = ptr.To[int32](1)
	}
	if job.Spec.Parallelism == nil {
		job.Spec.Parallelism = ptr.To[int32](1)
	}
	if job.Spec.BackoffLimit == nil {
		job.Spec.BackoffLimit = ptr.To[int32](6)
		if job.Spec.BackoffLimitPerIndex != nil {
			job.Spec.BackoffLimit = ptr.To[int32](math.MaxInt32)
		}
	}
	if job.Spec.CompletionMode == nil {
		job.Spec.CompletionMode = ptr.To(batchv1.NonIndexedCompletion)
	}
	if job.Spec.Suspend == nil {
		job.Spec.Suspend = ptr.To(false)
	}
	if job.Spec.PodReplacementPolicy == nil && job.Spec.PodFailurePolicy == nil {
		job.Spec.PodReplacementPolicy = ptr.To(batchv1.TerminatingOrFailed)
	}
	if len(job.Labels) == 0 && len(job.Spec.Template.Labels) > 0 {
		job.Labels = job.Spec.Template.Labels
	}
	DefaultPodSpec(&job.Spec.Template.Spec)
}

// PrepareForCreate clears the status and, unless spec.manualSelector is
// true, generates the selector as kube does: the template is labelled
// job-name and controller-uid (and their batch.kubernetes.io/ twins), and
// the selector matches the Job's UID, so it selects only its own pods.
func (jobStrategy) PrepareForCreate(obj runtime.Object) {
	job := obj.(*batchv1.Job)
	job.Status = batchv1.JobStatus{}
	if ptr.Deref(job.Spec.ManualSelector, false) {
		return
	}
	if job.Spec.Template.Labels == nil {
		job.Spec.Template.Labels = map[string]string{}
	}
	for _, l := range []string{legacyJobNameLabel, batchv1.JobNameLabel} {
		if _, ok := job.Spec.Template.Labels[l]; !ok {
			job.Spec.Template.Labels[l] = job.Name
		}
	}
	for _, l := range []string{legacyControllerUIDLabel, batchv1.ControllerUidLabel} {
		if _, ok := job.Spec.Template.Labels[l]; !ok {
			job.Spec.Template.Labels[l] = string(job.UID)
		}
	}
	if job.Spec.Selector == nil {
		job.Spec.Selector = &metav1.LabelSelector{}
	}
	if job.Spec.Selector.MatchLabels == nil {
		job.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, ok := job.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel]; !ok {
		job.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] = string(job.UID)
	}
}

func (jobStrategy) Validate(obj runtime.Object) field.ErrorList {
	job := obj.(*batchv1.Job)
	spec := field.NewPath("spec")
	var errs field.ErrorList
	for name, v := range map[string]*int32{"parallelism": job.Spec.Parallelism, "completions": job.Spec.Completions, "backoffLimit": job.Spec.BackoffLimit} {
		if v != nil && *v < 0 {
			errs = append(errs, field.Invalid(spec.Child(name), *v, "must be greater than or equal to 0"))
		}
	}
	if d := job.Spec.ActiveDeadlineSeconds; d != nil && *d <= 0 {
		errs = append(errs, field.Invalid(spec.Child("activeDeadlineSeconds"), *d, "must be greater than 0"))
	}
	if !ptr.Deref(job.Spec.ManualSelector, false) && job.Spec.Selector != nil &&
		job.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] != string(job.UID) {
		errs = append(errs, field.Invalid(spec.Child("selector"), job.Spec.Selector,
			"`selector` not auto-generated: set spec.manualSelector to true to choose a selector of your own"))
	}
	switch p := job.Spec.Template.Spec.RestartPolicy; p {
	case corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	default:
		errs = append(errs, field.NotSupported(spec.Child("template", "spec", "restartPolicy"), p,
			[]corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}))
	}
	return append(errs, validateWorkload(nil, job.Spec.Selector, &job.Spec.Template, spec)...)
}

// ValidateUpdate keeps, as kube does for a Job that is not suspended, the
// selector, the template and the completions as they were created.
func (jobStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	job, oldJob := obj.(*batchv1.Job), old.(*batchv1.Job)
	spec := field.NewPath("spec")
	errs := apivalidation.ValidateImmutableField(job.Spec.Selector, oldJob.Spec.Selector, spec.Child("selector"))
	errs = append(errs, apivalidation.ValidateImmutableField(job.Spec.Completions, oldJob.Spec.Completions, spec.Child("completions"))...)
	return append(errs, apivalidation.ValidateImmutableField(job.Spec.Template, oldJob.Spec.Template, spec.Child("template"))...)
}

type daemonSetStrategy struct{ plainStrategy }

// Default fills in a DaemonSet as kube's SetDefaults_DaemonSet does: a
// RollingUpdate of one unavailable node at a time, no surge, ten revisions.
func (daemonSetStrategy) Default(obj runtime.Object) {
	ds := obj.(*appsv1.DaemonSet)
	setDefault(&ds.Spec.UpdateStrategy.Type, appsv1.RollingUpdateDaemonSetStrategyType)
	if ds.Spec.UpdateStrategy.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if ds.Spec.UpdateStrategy.RollingUpdate == nil {
			ds.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{}
		}
		if ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable == nil {
			ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromInt32(1))
		}
		if ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge == nil {
			ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromInt32(0))
		}
	}
	if ds.Spec.RevisionHistoryLimit == nil {
		ds.Spec.RevisionHistoryLimit = ptr.To[int32](10)
	}
	DefaultPodSpec(&ds.Spec.Template.Spec)
}

func (daemonSetStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*appsv1.DaemonSet).Status = appsv1.DaemonSetStatus{}
}

func (daemonSetStrategy) Validate(obj runtime.Object) field.ErrorList {
	ds := obj.(*appsv1.DaemonSet)
	spec := field.NewPath("spec")
	var errs field.ErrorList
	if p := ds.Spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(spec.Child("template", "spec", "restartPolicy"), p, []corev1.RestartPolicy{corev1.RestartPolicyAlways}))
	}
	if ru := ds.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxUnavailable != nil {
		if v, err := intstr.GetScaledValueFromIntOrPercent(ru.MaxUnavailable, 100, true); err != nil || v < 0 {
			errs = append(errs, field.Invalid(spec.Child("updateStrategy", "rollingUpdate", "maxUnavailable"), ru.MaxUnavailable.String(),
				"must be a non-negative number or percentage"))
		}
	}
	switch ds.Spec.UpdateStrategy.Type {
	case appsv1.RollingUpdateDaemonSetStrategyType, appsv1.OnDeleteDaemonSetStrategyType:
	default:
		errs = append(errs, field.NotSupported(spec.Child("updateStrategy", "type"), ds.Spec.UpdateStrategy.Type,
			[]appsv1.DaemonSetUpdateStrategyType{appsv1.RollingUpdateDaemonSetStrategyType, appsv1.OnDeleteDaemonSetStrategyType}))
	}
	return append(errs, validateWorkload(nil, ds.Spec.Selector, &ds.Spec.Template, spec)...)
}

func (daemonSetStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	return apivalidation.ValidateImmutableField(obj.(*appsv1.DaemonSet).Spec.Selector,
		old.(*appsv1.DaemonSet).Spec.Selector, field.NewPath("spec", "selector"))
}
