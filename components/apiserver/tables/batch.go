package tables

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/duration"
)

func init() {
	register(batchv1.SchemeGroupVersion.WithResource("jobs").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Status", typeString, "Status of the job."),
		column("Completions", typeString, "The desired number of successfully finished pods the job should be run with."),
		column("Duration", typeString, "Time required to complete the job."),
		ageColumn,
		containersColumn,
		imagesColumn,
		wide("Selector", typeString, "Label selector for pods."),
	}, printJob))
	register(batchv1.SchemeGroupVersion.WithResource("cronjobs").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Schedule", typeString, "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
		column("Timezone", typeString, "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
		column("Suspend", typeBoolean, "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions."),
		column("Active", typeInteger, "A list of pointers to currently running jobs."),
		column("Last Schedule", typeString, "Information when was the last time the job was successfully scheduled."),
		ageColumn,
		containersColumn,
		imagesColumn,
		wide("Selector", typeString, "A label query over pods that should match the pod count."),
	}, printCronJob))
	register(appsv1.SchemeGroupVersion.WithResource("daemonsets").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Desired", typeInteger, "The desired number of pods to be scheduled."),
		column("Current", typeInteger, "The number of nodes running at least one daemon pod and are supposed to."),
		column("Ready", typeInteger, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready."),
		column("Up-to-date", typeInteger, "The total number of nodes that are running updated daemon pod."),
		column("Available", typeInteger, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available."),
		column("Node Selector", typeString, "NodeSelector is a selector which must be true for the pod to fit on a node."),
		ageColumn,
		containersColumn,
		imagesColumn,
		wide("Selector", typeString, "A label query over pods that are managed by the daemon set."),
	}, printDaemonSet))
}

// printJob prints a Job as kube's printer does, its Status column included
// (Complete, Failed, Terminating, Suspended, FailureTarget,
// SuccessCriteriaMet, else Running).
func printJob(job *batchv1.Job, now time.Time) []interface{} {
	names, images := containerCells(job.Spec.Template.Spec.Containers)
	var completions string
	switch parallelism := ptrOr(job.Spec.Parallelism, 0); {
	case job.Spec.Completions != nil:
		completions = fmt.Sprintf("%d/%d", job.Status.Succeeded, *job.Spec.Completions)
	case parallelism > 1:
		completions = fmt.Sprintf("%d/1 of %d", job.Status.Succeeded, parallelism)
	default:
		completions = fmt.Sprintf("%d/1", job.Status.Succeeded)
	}
	var took string
	switch {
	case job.Status.StartTime == nil:
	case job.Status.CompletionTime == nil:
		took = duration.HumanDuration(now.Sub(job.Status.StartTime.Time))
	default:
		took = duration.HumanDuration(job.Status.CompletionTime.Sub(job.Status.StartTime.Time))
	}
	return []interface{}{job.Name, jobStatus(job), completions, took, age(job.CreationTimestamp, now),
		names, images, selectorString(job.Spec.Selector)}
}

func jobStatus(job *batchv1.Job) string {
	has := func(t batchv1.JobConditionType) bool {
		for _, c := range job.Status.Conditions {
			if c.Type == t && c.Status == corev1.ConditionTrue {
				return true
			}
		}
		return false
	}
	switch {
	case has(batchv1.JobComplete):
		return "Complete"
	case has(batchv1.JobFailed):
		return "Failed"
	case job.DeletionTimestamp != nil:
		return "Terminating"
	case has(batchv1.JobSuspended):
		return "Suspended"
	case has(batchv1.JobFailureTarget):
		return "FailureTarget"
	case has(batchv1.JobSuccessCriteriaMet):
		return "SuccessCriteriaMet"
	default:
		return "Running"
	}
}

// printCronJob prints a CronJob as kube's printer does: "<none>" for no
// zone or no schedule yet, "<unset>" for a suspend no one defaulted.
func printCronJob(cj *batchv1.CronJob, now time.Time) []interface{} {
	names, images := containerCells(cj.Spec.JobTemplate.Spec.Template.Spec.Containers)
	last := none
	if t := cj.Status.LastScheduleTime; t != nil {
		last = age(*t, now)
	}
	tz := none
	if cj.Spec.TimeZone != nil {
		tz = *cj.Spec.TimeZone
	}
	return []interface{}{cj.Name, cj.Spec.Schedule, tz, boolCell(cj.Spec.Suspend), int64(len(cj.Status.Active)), last,
		age(cj.CreationTimestamp, now), names, images, orNone(selectorString(cj.Spec.JobTemplate.Spec.Selector))}
}

// boolCell is a *bool as kube prints one: True, False, or <unset>.
func boolCell(b *bool) string {
	switch {
	case b == nil:
		return "<unset>"
	case *b:
		return "True"
	default:
		return "False"
	}
}

func printDaemonSet(ds *appsv1.DaemonSet, now time.Time) []interface{} {
	names, images := containerCells(ds.Spec.Template.Spec.Containers)
	s := ds.Status
	return []interface{}{ds.Name, int64(s.DesiredNumberScheduled), int64(s.CurrentNumberScheduled), int64(s.NumberReady),
		int64(s.UpdatedNumberScheduled), int64(s.NumberAvailable), orNone(labels.FormatLabels(ds.Spec.Template.Spec.NodeSelector)),
		age(ds.CreationTimestamp, now), names, images, selectorString(ds.Spec.Selector)}
}

func ptrOr(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}
