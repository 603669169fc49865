package cronjob

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/controllers/controller"
)

// fixture is a controller on a fake clientset and a fake clock, its
// caches filled by hand so that each sync sees exactly what the test put.
type fixture struct {
	t       *testing.T
	client  *fake.Clientset
	factory informers.SharedInformerFactory
	clock   *testingclock.FakeClock
	events  *record.FakeRecorder
	c       *Controller
}

func newFixture(t *testing.T, now time.Time, objs ...runtime.Object) *fixture {
	t.Helper()
	f := &fixture{t: t, client: fake.NewClientset(objs...), clock: testingclock.NewFakeClock(now), events: record.NewFakeRecorder(100)}
	f.factory = informers.NewSharedInformerFactory(f.client, 0)
	cc := &controller.Context{Client: f.client, Informers: f.factory, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	c, err := newController(cc, f.clock)
	if err != nil {
		t.Fatal(err)
	}
	c.events = f.events
	f.c = c
	for _, o := range objs {
		f.cache(o)
	}
	return f
}

// cache puts obj in the informer's cache, as a watch event would.
func (f *fixture) cache(obj runtime.Object) {
	f.t.Helper()
	var err error
	switch o := obj.(type) {
	case *batchv1.CronJob:
		err = f.factory.Batch().V1().CronJobs().Informer().GetIndexer().Add(o)
	case *batchv1.Job:
		err = f.factory.Batch().V1().Jobs().Informer().GetIndexer().Add(o)
	}
	if err != nil {
		f.t.Fatal(err)
	}
}

// sync syncs ns/tick once and returns when it asks to be looked at again.
func (f *fixture) sync() time.Duration {
	f.t.Helper()
	f.client.ClearActions()
	next, err := f.c.syncCronJob(context.Background(), "ns/tick")
	if err != nil {
		f.t.Fatalf("sync: %v", err)
	}
	return next
}

// cronJob is what the API server stores for tick after it takes this
// schedule: defaulted, created at created.
func cronJob(schedule string, created time.Time) *batchv1.CronJob {
	cj := scheduled(schedule, created)
	cj.Spec.ConcurrencyPolicy = batchv1.AllowConcurrent
	cj.Spec.Suspend = ptr.To(false)
	cj.Spec.SuccessfulJobsHistoryLimit, cj.Spec.FailedJobsHistoryLimit = ptr.To[int32](3), ptr.To[int32](1)
	cj.Spec.JobTemplate = batchv1.JobTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "tick"}, Annotations: map[string]string{"note": "hourly"}},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "c", Image: "ownkube/crasher"}}}}},
	}
	return cj
}

// jobOf is a Job cj created for scheduled time t, in state cond ("" running).
func jobOf(cj *batchv1.CronJob, t time.Time, cond batchv1.JobConditionType) *batchv1.Job {
	job, err := jobFromTemplate(cj, t)
	if err != nil {
		panic(err)
	}
	job.UID = types.UID("uid-" + job.Name)
	job.CreationTimestamp = metav1.NewTime(t)
	job.Status.StartTime = &metav1.Time{Time: t.Add(time.Second)}
	if cond != "" {
		job.Status.Conditions = []batchv1.JobCondition{{Type: cond, Status: corev1.ConditionTrue}}
		if cond == batchv1.JobComplete {
			job.Status.CompletionTime = &metav1.Time{Time: t.Add(10 * time.Second)}
		}
	}
	return job
}

// withActive lists jobs as cj's active ones.
func withActive(cj *batchv1.CronJob, jobs ...*batchv1.Job) *batchv1.CronJob {
	for _, j := range jobs {
		cj.Status.Active = append(cj.Status.Active, corev1.ObjectReference{Kind: "Job", APIVersion: "batch/v1",
			Namespace: j.Namespace, Name: j.Name, UID: j.UID})
	}
	return cj
}

// stored is tick as the fake API holds it now.
func (f *fixture) stored() *batchv1.CronJob {
	f.t.Helper()
	cj, err := f.client.BatchV1().CronJobs("ns").Get(context.Background(), "tick", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return cj
}

// jobNames lists the Jobs the fake API holds, by name.
func (f *fixture) jobNames() []string {
	f.t.Helper()
	list, err := f.client.BatchV1().Jobs("ns").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	var names []string
	for _, j := range list.Items {
		names = append(names, j.Name)
	}
	slices.Sort(names)
	return names
}

// actions lists the last sync's writes as "verb resource[/subresource]".
func (f *fixture) actions() []string {
	var out []string
	for _, a := range f.client.Actions() {
		if a.GetVerb() == "get" || a.GetVerb() == "list" || a.GetVerb() == "watch" {
			continue
		}
		s := a.GetVerb() + " " + a.GetResource().Resource
		if a.GetSubresource() != "" {
			s += "/" + a.GetSubresource()
		}
		out = append(out, s)
	}
	return out
}

// eventReasons drains the recorded events and returns their reasons.
func (f *fixture) eventReasons() []string {
	var reasons []string
	for {
		select {
		case e := <-f.events.Events:
			reasons = append(reasons, strings.Fields(e)[1])
		default:
			return reasons
		}
	}
}

func TestADueTimeGetsItsJobFromTheTemplate(t *testing.T) {
	cj := cronJob("*/1 * * * *", at(9, 58, 10))
	f := newFixture(t, at(10, 0, 30), cj)
	next := f.sync()
	if next != 30*time.Second+nextScheduleDelta {
		t.Errorf("next sync in %v, want 30.1s: just after 10:01", next)
	}
	want := jobName(cj, at(10, 0, 0))
	job, err := f.client.BatchV1().Jobs("ns").Get(context.Background(), want, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the Job of 10:00 (of 09:59 and 10:00, only the latest runs): %v; jobs %v", err, f.jobNames())
	}
	if len(f.jobNames()) != 1 {
		t.Errorf("jobs %v, want only %s", f.jobNames(), want)
	}
	if !metav1.IsControlledBy(job, cj) || job.Labels["app"] != "tick" || job.Annotations["note"] != "hourly" {
		t.Errorf("job: owners %+v, labels %v, annotations %v", job.OwnerReferences, job.Labels, job.Annotations)
	}
	if got := job.Annotations[batchv1.CronJobScheduledTimestampAnnotation]; got != "2026-03-02T10:00:00Z" {
		t.Errorf("scheduled-timestamp annotation %q, want 2026-03-02T10:00:00Z", got)
	}
	if job.Spec.Template.Spec.Containers[0].Image != "ownkube/crasher" {
		t.Errorf("job spec %+v is not the template's", job.Spec)
	}
	st := f.stored().Status
	if len(st.Active) != 1 || st.Active[0].Name != want || st.Active[0].Kind != "Job" || !st.LastScheduleTime.Equal(&metav1.Time{Time: at(10, 0, 0)}) {
		t.Errorf("status %+v, want %s active and last schedule 10:00", st, want)
	}
	if got := f.eventReasons(); !slices.Equal(got, []string{"SuccessfulCreate"}) {
		t.Errorf("events %v", got)
	}
}

func TestNothingIsDueBeforeTheFirstTime(t *testing.T) {
	f := newFixture(t, at(10, 0, 45), cronJob("*/1 * * * *", at(10, 0, 10)))
	if next := f.sync(); next != 15*time.Second+nextScheduleDelta {
		t.Errorf("next sync in %v, want 15.1s", next)
	}
	if got := f.actions(); len(got) != 0 {
		t.Errorf("wrote %v, want nothing", got)
	}
}

func TestATimeGetsOneJobHoweverOftenItIsSynced(t *testing.T) {
	cj := cronJob("*/1 * * * *", at(9, 59, 30))
	f := newFixture(t, at(10, 0, 5), cj)
	f.sync()
	first := f.jobNames()
	// The status write is seen, the Job not yet: the time is marked run.
	f.cache(f.stored())
	f.clock.Step(10 * time.Second)
	f.sync()
	if got := f.actions(); len(got) != 0 {
		t.Errorf("second sync wrote %v, want nothing", got)
	}
	// The status write was lost: the Job's name finds it, AlreadyExists is
	// no error, and it is recorded.
	f.cache(cj)
	f.sync()
	if got, st := f.jobNames(), f.stored().Status; !slices.Equal(got, first) || len(st.Active) != 1 || st.LastScheduleTime == nil {
		t.Errorf("after a lost status write: jobs %v (want %v), status %+v", got, first, st)
	}
	if got := f.eventReasons(); !slices.Equal(got, []string{"SuccessfulCreate"}) {
		t.Errorf("events %v, want one SuccessfulCreate", got)
	}
}

func TestConcurrencyPolicies(t *testing.T) {
	running := func(policy batchv1.ConcurrencyPolicy) (*batchv1.CronJob, *batchv1.Job) {
		cj := cronJob("*/1 * * * *", at(9, 0, 0))
		cj.Spec.ConcurrencyPolicy = policy
		cj.Status.LastScheduleTime = &metav1.Time{Time: at(9, 59, 0)}
		job := jobOf(cj, at(9, 59, 0), "")
		return withActive(cj, job), job
	}
	t.Run("Allow runs the next beside the active one", func(t *testing.T) {
		cj, job := running(batchv1.AllowConcurrent)
		f := newFixture(t, at(10, 0, 1), cj, job)
		f.sync()
		if got := f.jobNames(); len(got) != 2 || len(f.stored().Status.Active) != 2 {
			t.Errorf("jobs %v, active %+v; want both", got, f.stored().Status.Active)
		}
	})
	t.Run("Forbid skips while one is active", func(t *testing.T) {
		cj, job := running(batchv1.ForbidConcurrent)
		f := newFixture(t, at(10, 0, 1), cj, job)
		if next := f.sync(); next != 59*time.Second+nextScheduleDelta {
			t.Errorf("next sync in %v, want 59.1s", next)
		}
		if got := f.actions(); len(got) != 0 {
			t.Errorf("wrote %v, want nothing", got)
		}
		if got := f.eventReasons(); !slices.Equal(got, []string{"JobAlreadyActive"}) {
			t.Errorf("events %v", got)
		}
		// Once it finishes, the skipped time runs.
		done := job.DeepCopy()
		done.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
		done.Status.CompletionTime = &metav1.Time{Time: at(10, 0, 20)}
		f.cache(done)
		f.clock.Step(20 * time.Second)
		f.sync()
		st := f.stored().Status
		if got := f.jobNames(); len(got) != 2 || len(st.Active) != 1 || st.Active[0].Name != jobName(cj, at(10, 0, 0)) {
			t.Errorf("after the active one finished: jobs %v, active %+v", got, st.Active)
		}
	})
	t.Run("Replace deletes the active one first, in the background", func(t *testing.T) {
		cj, job := running(batchv1.ReplaceConcurrent)
		f := newFixture(t, at(10, 0, 1), cj, job)
		f.sync()
		if got, want := f.actions(), []string{"delete jobs", "create jobs", "update cronjobs/status"}; !slices.Equal(got, want) {
			t.Errorf("writes %v, want %v", got, want)
		}
		for _, a := range f.client.Actions() {
			if d, ok := a.(clienttesting.DeleteActionImpl); ok {
				if p := d.DeleteOptions.PropagationPolicy; p == nil || *p != metav1.DeletePropagationBackground || d.Name != job.Name {
					t.Errorf("deleted %s with propagation %v, want %s in the background", d.Name, p, job.Name)
				}
			}
		}
		st := f.stored().Status
		if got := f.jobNames(); !slices.Equal(got, []string{jobName(cj, at(10, 0, 0))}) || len(st.Active) != 1 || st.Active[0].Name != got[0] {
			t.Errorf("jobs %v, active %+v; want only the new one", got, st.Active)
		}
	})
}

func TestASuspendedCronJobCreatesNothing(t *testing.T) {
	cj := cronJob("*/1 * * * *", at(9, 0, 0))
	cj.Spec.Suspend = ptr.To(true)
	f := newFixture(t, at(10, 0, 1), cj)
	if next := f.sync(); next != 0 {
		t.Errorf("next sync in %v, want none: resuming it is an update, which brings it back", next)
	}
	if got := f.actions(); len(got) != 0 {
		t.Errorf("wrote %v, want nothing", got)
	}
	resumed := cj.DeepCopy()
	resumed.Spec.Suspend = ptr.To(false)
	f.cache(resumed)
	f.sync()
	if got := f.jobNames(); len(got) != 1 {
		t.Errorf("resumed: jobs %v, want the one of 10:00", got)
	}
}

func TestMissedTimes(t *testing.T) {
	t.Run("past the starting deadline, nothing runs", func(t *testing.T) {
		cj := cronJob("0 * * * *", at(8, 0, 0))
		cj.Status.LastScheduleTime = &metav1.Time{Time: at(9, 0, 0)}
		cj.Spec.StartingDeadlineSeconds = ptr.To[int64](60)
		f := newFixture(t, at(10, 2, 0), cj)
		if next := f.sync(); next != 58*time.Minute+nextScheduleDelta {
			t.Errorf("next sync in %v, want at 11:00", next)
		}
		if got := f.jobNames(); len(got) != 0 {
			t.Errorf("jobs %v, want none: 10:00 is 120s late of a 60s deadline", got)
		}
	})
	t.Run("within it, the latest runs", func(t *testing.T) {
		cj := cronJob("0 * * * *", at(8, 0, 0))
		cj.Spec.StartingDeadlineSeconds = ptr.To[int64](180)
		f := newFixture(t, at(10, 2, 0), cj)
		f.sync()
		if got := f.jobNames(); !slices.Equal(got, []string{jobName(cj, at(10, 0, 0))}) {
			t.Errorf("jobs %v, want the one of 10:00", got)
		}
	})
	t.Run("more than 100 missed: a warning, and the latest runs", func(t *testing.T) {
		cj := cronJob("*/1 * * * *", at(7, 0, 0))
		f := newFixture(t, at(10, 0, 30), cj)
		f.sync()
		if got := f.jobNames(); !slices.Equal(got, []string{jobName(cj, at(10, 0, 0))}) {
			t.Errorf("jobs %v, want the one of 10:00", got)
		}
		if got := f.eventReasons(); !slices.Equal(got, []string{"TooManyMissedTimes", "SuccessfulCreate"}) {
			t.Errorf("events %v", got)
		}
	})
}

func TestFinishedJobsLeaveActiveAndTheOldestBeyondTheLimitsAreDeleted(t *testing.T) {
	cj := cronJob("*/1 * * * *", at(9, 0, 0))
	cj.Status.LastScheduleTime = &metav1.Time{Time: at(10, 0, 0)}
	var objs []runtime.Object
	var jobs []*batchv1.Job
	for i := range 8 { // 09:53..09:57 succeeded, 09:58..10:00 failed
		cond := batchv1.JobComplete
		if i >= 5 {
			cond = batchv1.JobFailed
		}
		j := jobOf(cj, at(9, 53+i, 0), cond)
		jobs = append(jobs, j)
		objs = append(objs, j)
	}
	running := jobOf(cj, at(10, 0, 0), "")
	running.Name, running.UID = "tick-running", "uid-running"
	going := jobOf(cj, at(9, 52, 0), batchv1.JobComplete) // the oldest, but on its way out already
	going.DeletionTimestamp, going.Finalizers = &metav1.Time{Time: at(10, 0, 0)}, []string{"foregroundDeletion"}
	withActive(cj, jobs[4], jobs[7], running)
	f := newFixture(t, at(10, 0, 30), append(objs, cj, running, going)...)
	f.sync()
	want := []string{going.Name, jobs[2].Name, jobs[3].Name, jobs[4].Name, jobs[7].Name, "tick-running"}
	slices.Sort(want)
	if got := f.jobNames(); !slices.Equal(got, want) {
		t.Errorf("jobs %v, want the 3 newest succeeded, the newest failed, the running one, and the one being deleted, not deleted twice: %v", got, want)
	}
	st := f.stored().Status
	if len(st.Active) != 1 || st.Active[0].Name != "tick-running" {
		t.Errorf("active %+v, want only the running one", st.Active)
	}
	if !st.LastSuccessfulTime.Equal(jobs[4].Status.CompletionTime) {
		t.Errorf("last successful %v, want %v, the latest completion", st.LastSuccessfulTime, jobs[4].Status.CompletionTime)
	}
	reasons := f.eventReasons()
	if count(reasons, "SawCompletedJob") != 2 || count(reasons, "SuccessfulDelete") != 4 {
		t.Errorf("events %v, want 2 SawCompletedJob and 4 SuccessfulDelete", reasons)
	}
}

func TestAnActiveJobThatIsGoneLeavesTheList(t *testing.T) {
	cj := cronJob("*/1 * * * *", at(9, 0, 0))
	cj.Status.LastScheduleTime = &metav1.Time{Time: at(10, 0, 0)}
	withActive(cj, jobOf(cj, at(10, 0, 0), ""))
	f := newFixture(t, at(10, 0, 30), cj)
	f.sync()
	if st := f.stored().Status; len(st.Active) != 0 {
		t.Errorf("active %+v, want none", st.Active)
	}
	if got := f.eventReasons(); !slices.Equal(got, []string{"MissingJob"}) {
		t.Errorf("events %v", got)
	}
}

func TestJobEventsBringBackTheirCronJob(t *testing.T) {
	cj := cronJob("*/1 * * * *", at(9, 0, 0))
	f := newFixture(t, at(10, 0, 30))
	f.c.enqueueOwner(jobOf(cj, at(10, 0, 0), ""))
	f.c.enqueueOwner(&batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "alone", Namespace: "ns"}})
	if n := f.c.loop.Len(); n != 1 {
		t.Fatalf("%d keys queued, want the CronJob's only", n)
	}
}

func TestTheLoopIsAskedToComeBackAtTheNextTime(t *testing.T) {
	f := newFixture(t, at(10, 0, 45), cronJob("*/1 * * * *", at(10, 0, 10)))
	err := f.c.sync(context.Background(), "ns/tick")
	if err == nil || err.Error() != fmt.Sprintf("look again in %s", 15*time.Second+nextScheduleDelta) {
		t.Errorf("sync = %v, want a requeue in 15.1s", err)
	}
	if err := f.c.sync(context.Background(), "ns/gone"); err != nil {
		t.Errorf("a CronJob that is gone: %v", err)
	}
	if got := f.jobNames(); len(got) != 0 {
		t.Errorf("jobs %v before the first time", got)
	}
}

func count(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}
