package statefulset

import (
	"context"
	"fmt"
	"log/slog"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/ownkube/ownkube/components/controllers/controller"
	"github.com/ownkube/ownkube/components/controllers/expectations"
)

// Name is the controller's name in the manager's table; Component is the
// source its Events carry, as kube names it.
const (
	Name      = "statefulset"
	Component = "statefulset-controller"
)

// Controller is the StatefulSet controller: see the package doc.
type Controller struct {
	cc     *controller.Context
	log    *slog.Logger
	sets   appslisters.StatefulSetLister
	pods   corelisters.PodLister
	loop   *controller.Loop
	events record.EventRecorder
	expect *expectations.Expectations
}

// New builds the controller on cc's StatefulSet and pod informers.
func New(cc *controller.Context) (controller.Controller, error) {
	sets := cc.Informers.Apps().V1().StatefulSets()
	pods := cc.Informers.Core().V1().Pods()
	c := &Controller{cc: cc, log: cc.Log.With("controller", Name), sets: sets.Lister(), pods: pods.Lister(),
		events: cc.Recorder(Component), expect: expectations.New()}
	c.loop = controller.NewLoop(Name, c.sync, cc.Log, sets.Informer().HasSynced, pods.Informer().HasSynced)
	if _, err := sets.Informer().AddEventHandler(c.loop.Handlers()); err != nil {
		return nil, fmt.Errorf("statefulset: watch statefulsets: %w", err)
	}
	if _, err := pods.Informer().AddEventHandler(c.podHandlers()); err != nil {
		return nil, fmt.Errorf("statefulset: watch pods: %w", err)
	}
	return c, nil
}

// Run syncs StatefulSets until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	return c.loop.Run(ctx, c.cc.Options.WithDefaults().Workers)
}

// podHandlers wake a pod's StatefulSet, lowering its expectations by what
// the event shows, and, for an orphan, every set that may adopt it.
func (c *Controller) podHandlers() cache.ResourceEventHandlerFuncs {
	owned := c.expect.PodHandlers(kind, c.loop.EnqueueKey)
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { owned.OnAdd(obj, false); c.enqueueAdopters(obj) },
		UpdateFunc: func(old, obj any) {
			owned.OnUpdate(old, obj)
			o, n := old.(*corev1.Pod), obj.(*corev1.Pod)
			if !labels.Equals(o.Labels, n.Labels) || metav1.GetControllerOf(o) != nil {
				c.enqueueAdopters(obj) // it may match a set now, or have just been released
			}
		},
		DeleteFunc: owned.OnDelete, // an orphan's going changes no set
	}
}

// enqueueAdopters enqueues, for a pod no controller owns, the sets of its
// namespace whose selector matches it.
func (c *Controller) enqueueAdopters(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || metav1.GetControllerOf(pod) != nil || pod.DeletionTimestamp != nil {
		return
	}
	sets, err := c.sets.StatefulSets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, set := range sets {
		sel, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(pod.Labels)) {
			c.loop.Enqueue(set)
		}
	}
}

func keyOf(set *appsv1.StatefulSet) string { return set.Namespace + "/" + set.Name }
