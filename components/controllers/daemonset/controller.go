package daemonset

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/ownkube/ownkube/components/controllers/controller"
	"github.com/ownkube/ownkube/components/controllers/expectations"
)

// Controller is the DaemonSet controller: see the package doc.
type Controller struct {
	cc     *controller.Context
	log    *slog.Logger
	sets   appslisters.DaemonSetLister
	pods   corelisters.PodLister
	nodes  corelisters.NodeLister
	loop   *controller.Loop
	events record.EventRecorder
	expect *expectations.Expectations
}

// New builds the controller on cc's DaemonSet, pod and node informers.
func New(cc *controller.Context) (controller.Controller, error) {
	sets := cc.Informers.Apps().V1().DaemonSets()
	pods := cc.Informers.Core().V1().Pods()
	nodes := cc.Informers.Core().V1().Nodes()
	c := &Controller{cc: cc, log: cc.Log.With("controller", "daemonset"), sets: sets.Lister(), pods: pods.Lister(),
		nodes: nodes.Lister(), events: cc.Recorder("daemonset-controller"), expect: expectations.New()}
	c.loop = controller.NewLoop("daemonset", c.sync, cc.Log,
		sets.Informer().HasSynced, pods.Informer().HasSynced, nodes.Informer().HasSynced)
	if _, err := sets.Informer().AddEventHandler(c.loop.Handlers()); err != nil {
		return nil, fmt.Errorf("daemonset: watch daemonsets: %w", err)
	}
	if _, err := pods.Informer().AddEventHandler(c.expect.PodHandlers(appsv1.SchemeGroupVersion.WithKind("DaemonSet"), c.loop.EnqueueKey)); err != nil {
		return nil, fmt.Errorf("daemonset: watch pods: %w", err)
	}
	if _, err := nodes.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueueAll,
		UpdateFunc: func(old, obj any) {
			o, n := old.(*corev1.Node), obj.(*corev1.Node)
			if !maps.Equal(o.Labels, n.Labels) || !equality.Semantic.DeepEqual(o.Spec.Taints, n.Spec.Taints) ||
				o.Spec.Unschedulable != n.Spec.Unschedulable {
				c.enqueueAll(obj)
			}
		},
		DeleteFunc: c.enqueueAll,
	}); err != nil {
		return nil, fmt.Errorf("daemonset: watch nodes: %w", err)
	}
	return c, nil
}

func (c *Controller) Run(ctx context.Context) error { return c.loop.Run(ctx, c.cc.Options.Workers) }

// enqueueAll brings back every DaemonSet: a node came, went or changed.
func (c *Controller) enqueueAll(any) {
	sets, err := c.sets.List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range sets {
		c.loop.Enqueue(ds)
	}
}

// ownPods lists the pods ds's selector matches and ds controls.
func (c *Controller) ownPods(ds *appsv1.DaemonSet) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err != nil {
		return nil, controller.Permanent(fmt.Errorf("daemonset %s/%s: selector: %w", ds.Namespace, ds.Name, err))
	}
	if sel.Empty() {
		sel = labels.Nothing()
	}
	all, err := c.pods.Pods(ds.Namespace).List(sel)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(p *corev1.Pod) bool {
		ref := metav1.GetControllerOf(p)
		return ref == nil || ref.UID != ds.UID
	}), nil
}
