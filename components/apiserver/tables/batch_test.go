package tables

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestPrintJob(t *testing.T) {
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/controller-uid": "u"}}
	started := metav1.NewTime(now.Add(-3 * time.Minute))
	done := metav1.NewTime(now.Add(-time.Minute))
	job := func(completions *int32, parallelism int32, st batchv1.JobStatus) *batchv1.Job {
		return &batchv1.Job{ObjectMeta: objectMeta("pi", 5*time.Minute), Spec: batchv1.JobSpec{Completions: completions,
			Parallelism: int32p(parallelism), Selector: sel, Template: template()}, Status: st}
	}
	cond := func(t batchv1.JobConditionType) []batchv1.JobCondition {
		return []batchv1.JobCondition{{Type: t, Status: corev1.ConditionTrue}}
	}
	tests := []struct {
		name string
		job  *batchv1.Job
		want []interface{}
	}{
		{"running", job(int32p(3), 2, batchv1.JobStatus{Succeeded: 1, StartTime: &started}),
			cells("pi", "Running", "1/3", "3m", "5m", "app,probe", "ownkube/echo:dev,ownkube/probe:dev", "batch.kubernetes.io/controller-uid=u")},
		{"complete", job(int32p(3), 2, batchv1.JobStatus{Succeeded: 3, StartTime: &started, CompletionTime: &done, Conditions: cond(batchv1.JobComplete)}),
			cells("pi", "Complete", "3/3", "2m", "5m", "app,probe", "ownkube/echo:dev,ownkube/probe:dev", "batch.kubernetes.io/controller-uid=u")},
		{"failing", job(int32p(1), 1, batchv1.JobStatus{StartTime: &started, Conditions: cond(batchv1.JobFailureTarget)}),
			cells("pi", "FailureTarget", "0/1", "3m", "5m", "app,probe", "ownkube/echo:dev,ownkube/probe:dev", "batch.kubernetes.io/controller-uid=u")},
		{"failed", job(int32p(1), 1, batchv1.JobStatus{Conditions: cond(batchv1.JobFailed)}),
			cells("pi", "Failed", "0/1", "", "5m", "app,probe", "ownkube/echo:dev,ownkube/probe:dev", "batch.kubernetes.io/controller-uid=u")},
		{"a work queue", job(nil, 4, batchv1.JobStatus{}),
			cells("pi", "Running", "0/1 of 4", "", "5m", "app,probe", "ownkube/echo:dev,ownkube/probe:dev", "batch.kubernetes.io/controller-uid=u")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, printers[gr("batch", "jobs")].columns, printJob(tt.job, now), tt.want)
		})
	}
}

func TestPrintCronJob(t *testing.T) {
	cronJob := func(change func(*batchv1.CronJob)) *batchv1.CronJob {
		cj := &batchv1.CronJob{ObjectMeta: objectMeta("nightly", 3*time.Hour), Spec: batchv1.CronJobSpec{Schedule: "0 2 * * *",
			Suspend: ptr.To(false), JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: template()}}}}
		change(cj)
		return cj
	}
	tests := []struct {
		name string
		cj   *batchv1.CronJob
		want []interface{}
	}{
		{"never scheduled", cronJob(func(*batchv1.CronJob) {}),
			cells("nightly", "0 2 * * *", "<none>", "False", int64(0), "<none>", "3h", "app,probe", "ownkube/echo:dev,ownkube/probe:dev", "<none>")},
		{"running one, in a zone", cronJob(func(cj *batchv1.CronJob) {
			cj.Spec.TimeZone = ptr.To("Europe/Berlin")
			cj.Status.Active = []corev1.ObjectReference{{Name: "nightly-29000000"}}
			cj.Status.LastScheduleTime = agoPtr(90 * time.Second)
		}), cells("nightly", "0 2 * * *", "Europe/Berlin", "False", int64(1), "90s", "3h", "app,probe", "ownkube/echo:dev,ownkube/probe:dev", "<none>")},
		{"suspended", cronJob(func(cj *batchv1.CronJob) { cj.Spec.Suspend = ptr.To(true) }),
			cells("nightly", "0 2 * * *", "<none>", "True", int64(0), "<none>", "3h", "app,probe", "ownkube/echo:dev,ownkube/probe:dev", "<none>")},
		{"suspend unset", cronJob(func(cj *batchv1.CronJob) { cj.Spec.Suspend = nil }),
			cells("nightly", "0 2 * * *", "<none>", "<unset>", int64(0), "<none>", "3h", "app,probe", "ownkube/echo:dev,ownkube/probe:dev", "<none>")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, printers[gr("batch", "cronjobs")].columns, printCronJob(tt.cj, now), tt.want)
		})
	}
	var names []string
	for _, c := range printers[gr("batch", "cronjobs")].columns {
		if c.Priority == 0 {
			names = append(names, strings.ToUpper(c.Name))
		}
	}
	if got, want := strings.Join(names, ","), "NAME,SCHEDULE,TIMEZONE,SUSPEND,ACTIVE,LAST SCHEDULE,AGE"; got != want {
		t.Errorf("kubectl's CronJob columns: %s, want %s", got, want)
	}
}

func TestPrintDaemonSet(t *testing.T) {
	ds := &appsv1.DaemonSet{ObjectMeta: objectMeta("agent", time.Hour),
		Spec:   appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, Template: template()},
		Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2, UpdatedNumberScheduled: 1, NumberAvailable: 2}}
	selecting := ds.DeepCopy()
	selecting.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd"}
	checkCells(t, printers[gr("apps", "daemonsets")].columns, printDaemonSet(ds, now),
		cells("agent", int64(3), int64(3), int64(2), int64(1), int64(2), "<none>", "60m", "app,probe", "ownkube/echo:dev,ownkube/probe:dev", "app=web"))
	checkCells(t, printers[gr("apps", "daemonsets")].columns, printDaemonSet(selecting, now),
		cells("agent", int64(3), int64(3), int64(2), int64(1), int64(2), "disk=ssd", "60m", "app,probe", "ownkube/echo:dev,ownkube/probe:dev", "app=web"))
}
