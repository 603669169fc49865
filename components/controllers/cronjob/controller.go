package cronjob

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"github.com/ownkube/ownkube/components/controllers/controller"
)

// Name is the controller's name in --controllers.
const Name = "cronjob"

// Component is the source its Events carry, as kube names it.
const Component = "cronjob-controller"

// controllerKind is what a CronJob's Jobs name as their controller.
var controllerKind = batchv1.SchemeGroupVersion.WithKind("CronJob")

// Controller is the CronJob controller: see the package doc.
type Controller struct {
	cc       *controller.Context
	log      *slog.Logger
	clock    clock.PassiveClock
	cronJobs batchlisters.CronJobLister
	jobs     batchlisters.JobLister
	loop     *controller.Loop
	events   record.EventRecorder
}

// New builds the controller on cc's CronJob and Job informers, on the
// clock of cc.Now (the wall clock if unset).
func New(cc *controller.Context) (controller.Controller, error) {
	var clk clock.PassiveClock = clock.RealClock{}
	if cc.Now != nil {
		clk = nowClock(cc.Now)
	}
	return newController(cc, clk)
}

// newController is New on clk, which tests fake.
func newController(cc *controller.Context, clk clock.PassiveClock) (*Controller, error) {
	cronJobs := cc.Informers.Batch().V1().CronJobs()
	jobs := cc.Informers.Batch().V1().Jobs()
	c := &Controller{cc: cc, log: cc.Log.With("controller", Name), clock: clk,
		cronJobs: cronJobs.Lister(), jobs: jobs.Lister(), events: recorder(cc)}
	c.loop = controller.NewLoop(Name, c.sync, cc.Log, cronJobs.Informer().HasSynced, jobs.Informer().HasSynced)
	if _, err := cronJobs.Informer().AddEventHandler(c.loop.Handlers()); err != nil {
		return nil, fmt.Errorf("cronjob: watch cronjobs: %w", err)
	}
	if _, err := jobs.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueueOwner,
		UpdateFunc: func(old, obj any) {
			if o, n := metav1.GetControllerOf(old.(*batchv1.Job)), metav1.GetControllerOf(obj.(*batchv1.Job)); o != nil &&
				(n == nil || o.UID != n.UID) {
				c.enqueueOwner(old) // released: its former owner counts it no more
			}
			c.enqueueOwner(obj)
		},
		DeleteFunc: c.enqueueOwner,
	}); err != nil {
		return nil, fmt.Errorf("cronjob: watch jobs: %w", err)
	}
	return c, nil
}

// recorder is cc's recorder for this controller; a Context without an
// event broadcaster records nothing.
func recorder(cc *controller.Context) record.EventRecorder {
	if cc.Events == nil {
		return &record.FakeRecorder{} // with no channel it drops every event
	}
	return cc.Recorder(Component)
}

func (c *Controller) Run(ctx context.Context) error { return c.loop.Run(ctx, c.cc.Options.Workers) }

// enqueueOwner brings back the CronJob that controls a Job (or the
// tombstone of a deleted one): a Job started, finished or went.
func (c *Controller) enqueueOwner(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	job, ok := obj.(*batchv1.Job)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOf(job); ref != nil && ref.Kind == controllerKind.Kind && ref.APIVersion == controllerKind.GroupVersion().String() {
		c.loop.EnqueueKey(job.Namespace + "/" + ref.Name)
	}
}

// sync is the loop's: it syncs the CronJob of key and has the queue bring
// it back just after its next time; a failure is retried sooner, with
// back-off.
func (c *Controller) sync(ctx context.Context, key string) error {
	next, err := c.syncCronJob(ctx, key)
	if err == nil && next > 0 {
		return controller.RequeueAfter(next)
	}
	return err
}

// syncCronJob brings one CronJob up to date: it notes its Jobs that
// finished or went, deletes those beyond its history limits, creates the
// Job of a time that is due, and writes the status once. It returns how
// long until the next time of the schedule; zero when only a change of
// the CronJob or of its Jobs can make a difference.
func (c *Controller) syncCronJob(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, controller.Permanent(err)
	}
	cached, err := c.cronJobs.CronJobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil // its Jobs go with it, by the garbage collector
	}
	if err != nil {
		return 0, err
	}
	jobs, err := c.ownJobs(cached)
	if err != nil {
		return 0, err
	}
	cj := cached.DeepCopy() // the cache's copy is shared: never write to it
	changed, err := c.reconcileActive(ctx, cj, jobs)
	if err != nil {
		return 0, err
	}
	changed = c.cleanupHistory(ctx, cj, jobs) || changed
	next, created, syncErr := c.schedule(ctx, cj, c.clock.Now())
	if changed || created {
		if _, err := c.cc.Client.BatchV1().CronJobs(ns).UpdateStatus(ctx, cj, metav1.UpdateOptions{}); err != nil {
			return 0, fmt.Errorf("update status of cronjob %s: %w", key, err)
		}
	}
	return next, syncErr
}

// ownJobs lists the Jobs of cj's namespace that cj controls.
func (c *Controller) ownJobs(cj *batchv1.CronJob) ([]*batchv1.Job, error) {
	all, err := c.jobs.Jobs(cj.Namespace).List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("list jobs of cronjob %s/%s: %w", cj.Namespace, cj.Name, err)
	}
	var own []*batchv1.Job
	for _, j := range all {
		if ref := metav1.GetControllerOf(j); ref != nil && ref.UID == cj.UID {
			own = append(own, j)
		}
	}
	return own, nil
}

// nowClock is a clock.PassiveClock that reads a Context's Now.
type nowClock func() time.Time

func (n nowClock) Now() time.Time                  { return n() }
func (n nowClock) Since(t time.Time) time.Duration { return n().Sub(t) }
