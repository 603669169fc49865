package job

import (
	"context"
	"fmt"
	"log/slog"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/ownkube/ownkube/components/controllers/controller"
	"github.com/ownkube/ownkube/components/controllers/expectations"
)

// Controller is the Job controller: see the package doc.
type Controller struct {
	cc     *controller.Context
	log    *slog.Logger
	jobs   batchlisters.JobLister
	pods   corelisters.PodLister
	loop   *controller.Loop
	events record.EventRecorder
	expect *expectations.Expectations
}

// New builds the controller on cc's Job and pod informers.
func New(cc *controller.Context) (controller.Controller, error) {
	jobs := cc.Informers.Batch().V1().Jobs()
	pods := cc.Informers.Core().V1().Pods()
	c := &Controller{cc: cc, log: cc.Log.With("controller", "job"), jobs: jobs.Lister(), pods: pods.Lister(),
		events: cc.Recorder("job-controller"), expect: expectations.New()}
	c.loop = controller.NewLoop("job", c.sync, cc.Log, jobs.Informer().HasSynced, pods.Informer().HasSynced)
	if _, err := jobs.Informer().AddEventHandler(c.loop.Handlers()); err != nil {
		return nil, fmt.Errorf("job: watch jobs: %w", err)
	}
	if _, err := pods.Informer().AddEventHandler(c.expect.PodHandlers(batchv1.SchemeGroupVersion.WithKind("Job"), c.loop.EnqueueKey)); err != nil {
		return nil, fmt.Errorf("job: watch pods: %w", err)
	}
	return c, nil
}

func (c *Controller) Run(ctx context.Context) error { return c.loop.Run(ctx, c.cc.Options.Workers) }

func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return controller.Permanent(err)
	}
	job, err := c.jobs.Jobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.expect.Forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	pods, err := c.ownPods(job)
	if err != nil {
		return err
	}
	now := c.cc.Now()
	st := observe(job, pods, now)
	if c.expect.Satisfied(key) {
		if err := c.manage(ctx, key, job, st); err != nil {
			return err
		}
	}
	if err := c.writeStatus(ctx, job, st, now); err != nil {
		return err
	}
	if d := st.deadlineIn; d > 0 && !st.finished() {
		return controller.RequeueAfter(d)
	}
	return nil
}

// ownPods lists the pods job's selector matches and job controls.
func (c *Controller) ownPods(job *batchv1.Job) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector)
	if err != nil {
		return nil, controller.Permanent(fmt.Errorf("job %s/%s: selector: %w", job.Namespace, job.Name, err))
	}
	if sel.Empty() {
		sel = labels.Nothing()
	}
	all, err := c.pods.Pods(job.Namespace).List(sel)
	if err != nil {
		return nil, err
	}
	var own []*corev1.Pod
	for _, p := range all {
		if ref := metav1.GetControllerOf(p); ref != nil && ref.UID == job.UID {
			own = append(own, p)
		}
	}
	return own, nil
}
