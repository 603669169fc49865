package api

import (
	"fmt"
	"math"
	"strings"
	"time"
	// The API server runs FROM scratch, with no zoneinfo on disk: a
	// CronJob's spec.timeZone is checked against the zones Go embeds.
	_ "time/tzdata"

	"github.com/robfig/cron/v3"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
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
	errs := validateJobSpec(&job.Spec, spec)
	if !ptr.Deref(job.Spec.ManualSelector, false) && job.Spec.Selector != nil &&
		job.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] != string(job.UID) {
		errs = append(errs, field.Invalid(spec.Child("selector"), job.Spec.Selector,
			"`selector` not auto-generated: set spec.manualSelector to true to choose a selector of your own"))
	}
	return append(errs, validateWorkload(nil, job.Spec.Selector, &job.Spec.Template, spec)...)
}

// validateJobSpec checks what a Job and a CronJob's jobTemplate share: the
// counts, the deadline, and a restartPolicy a pod of a Job may have.
func validateJobSpec(js *batchv1.JobSpec, spec *field.Path) field.ErrorList {
	var errs field.ErrorList
	for name, v := range map[string]*int32{"parallelism": js.Parallelism, "completions": js.Completions, "backoffLimit": js.BackoffLimit} {
		if v != nil && *v < 0 {
			errs = append(errs, field.Invalid(spec.Child(name), *v, "must be greater than or equal to 0"))
		}
	}
	if d := js.ActiveDeadlineSeconds; d != nil && *d <= 0 {
		errs = append(errs, field.Invalid(spec.Child("activeDeadlineSeconds"), *d, "must be greater than 0"))
	}
	switch p := js.Template.Spec.RestartPolicy; p {
	case corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever:
	default:
		errs = append(errs, field.NotSupported(spec.Child("template", "spec", "restartPolicy"), p,
			[]corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}))
	}
	return errs
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

// MaxCronJobNameLength is the longest name a CronJob may have, as kube has
// it: its Jobs are named <cronjob>-<minutes since the epoch>, 11 characters
// more, and that name goes into a label value of at most 63.
const MaxCronJobNameLength = 52

type cronJobStrategy struct{ plainStrategy }

// Default fills in a CronJob as kube's SetDefaults_CronJob does: Allow
// concurrent Jobs, not suspended, three succeeded and one failed Job kept,
// and the pod template defaulted as a Job's. The Job's own defaults are left
// to the Jobs made from the template, as kube leaves them.
func (cronJobStrategy) Default(obj runtime.Object) {
	cj := obj.(*batchv1.CronJob)
	setDefault(&cj.Spec.ConcurrencyPolicy, batchv1.AllowConcurrent)
	if cj.Spec.Suspend == nil {
		cj.Spec.Suspend = ptr.To(false)
	}
	if cj.Spec.SuccessfulJobsHistoryLimit == nil {
		cj.Spec.SuccessfulJobsHistoryLimit = ptr.To[int32](3)
	}
	if cj.Spec.FailedJobsHistoryLimit == nil {
		cj.Spec.FailedJobsHistoryLimit = ptr.To[int32](1)
	}
	DefaultPodSpec(&cj.Spec.JobTemplate.Spec.Template.Spec)
}

// PrepareForCreate clears the status: it is the cronjob controller's to write.
func (cronJobStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*batchv1.CronJob).Status = batchv1.CronJobStatus{}
}

func (cronJobStrategy) Validate(obj runtime.Object) field.ErrorList {
	cj := obj.(*batchv1.CronJob)
	spec := field.NewPath("spec")
	var errs field.ErrorList
	if len(cj.Name) > MaxCronJobNameLength {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), cj.Name,
			fmt.Sprintf("must be no more than %d characters", MaxCronJobNameLength)))
	}
	errs = append(errs, validateSchedule(cj.Spec.Schedule, spec.Child("schedule"))...)
	errs = append(errs, validateTimeZone(cj.Spec.TimeZone, spec.Child("timeZone"))...)
	switch p := cj.Spec.ConcurrencyPolicy; p {
	case batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent:
	default:
		errs = append(errs, field.NotSupported(spec.Child("concurrencyPolicy"), p,
			[]batchv1.ConcurrencyPolicy{batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent}))
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil && *d < 0 {
		errs = append(errs, field.Invalid(spec.Child("startingDeadlineSeconds"), *d, "must be greater than or equal to 0"))
	}
	for name, v := range map[string]*int32{"successfulJobsHistoryLimit": cj.Spec.SuccessfulJobsHistoryLimit,
		"failedJobsHistoryLimit": cj.Spec.FailedJobsHistoryLimit} {
		if v != nil && *v < 0 {
			errs = append(errs, field.Invalid(spec.Child(name), *v, "must be greater than or equal to 0"))
		}
	}
	return append(errs, validateJobTemplate(&cj.Spec.JobTemplate, spec.Child("jobTemplate"))...)
}

// validateSchedule parses schedule as the cronjob controller will: five
// fields or a descriptor (@hourly), robfig/cron's standard parser. A zone
// belongs in spec.timeZone, as kube has required since 1.27.
func validateSchedule(schedule string, path *field.Path) field.ErrorList {
	if schedule == "" {
		return field.ErrorList{field.Required(path, "a cron schedule such as \"*/5 * * * *\" or @hourly")}
	}
	if strings.Contains(schedule, "TZ") {
		return field.ErrorList{field.Invalid(path, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")}
	}
	if _, err := cron.ParseStandard(schedule); err != nil {
		return field.ErrorList{field.Invalid(path, schedule, err.Error())}
	}
	return nil
}

// validateTimeZone accepts no zone (the controller's, UTC here) or one Go
// can load by its IANA name; "Local" would depend on where the controller runs.
func validateTimeZone(tz *string, path *field.Path) field.ErrorList {
	switch {
	case tz == nil:
		return nil
	case *tz == "":
		return field.ErrorList{field.Invalid(path, *tz, "timeZone must be nil or non-empty string")}
	case strings.EqualFold(*tz, "Local"):
		return field.ErrorList{field.Invalid(path, *tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")}
	}
	if _, err := time.LoadLocation(*tz); err != nil {
		return field.ErrorList{field.Invalid(path, *tz, err.Error())}
	}
	return nil
}

// validateJobTemplate checks a CronJob's jobTemplate as a Job-to-be: its
// selector is generated when each Job is created, so none may be given.
func validateJobTemplate(t *batchv1.JobTemplateSpec, path *field.Path) field.ErrorList {
	errs := metav1validation.ValidateLabels(t.Labels, path.Child("metadata", "labels"))
	errs = append(errs, apivalidation.ValidateAnnotations(t.Annotations, path.Child("metadata", "annotations"))...)
	spec := path.Child("spec")
	errs = append(errs, validateJobSpec(&t.Spec, spec)...)
	if t.Spec.Selector != nil {
		errs = append(errs, field.Invalid(spec.Child("selector"), t.Spec.Selector, "`selector` will be auto-generated"))
	}
	if ptr.Deref(t.Spec.ManualSelector, false) {
		errs = append(errs, field.NotSupported(spec.Child("manualSelector"), *t.Spec.ManualSelector, []string{"nil", "false"}))
	}
	return append(errs, ValidatePodTemplateSpec(&t.Spec.Template, spec.Child("template"))...)
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
