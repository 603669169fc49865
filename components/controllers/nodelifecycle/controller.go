package nodelifecycle

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	coordinationlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/ownkube/ownkube/components/controllers/controller"
	"github.com/ownkube/ownkube/components/controllers/nodelifecycle/nodestate"
	"github.com/ownkube/ownkube/components/kit/exercise"
	"github.com/ownkube/ownkube/components/kit/stubreport"
)

// Names of the controller's event sources, as kube-controller-manager's.
const (
	healthComponent   = "node-controller"
	evictionComponent = "taint-eviction-controller"
)

// byNodeName indexes pods by spec.nodeName.
const byNodeName = "nodelifecycle.ownkube.io/nodeName"

// Controller is the node lifecycle controller: see the package doc.
type Controller struct {
	cc       *controller.Context
	opts     controller.Options
	log      *slog.Logger
	nodes    corelisters.NodeLister
	leases   coordinationlisters.LeaseLister
	pods     cache.Indexer
	health   *controller.Loop
	eviction *controller.Loop
	events   record.EventRecorder
	evicts   record.EventRecorder
	stubs    *stubreport.Reporter // says so on a Node when the learner's core is a stub

	mu        sync.Mutex
	readiness map[string]corev1.ConditionStatus // last Ready status seen, by node
	limiter   flowcontrol.RateLimiter           // NoExecute taints per second
	rate      float64                           // limiter's rate
}

// New builds the controller on cc's informers: nodes, leases and pods.
func New(cc *controller.Context) (controller.Controller, error) {
	nodes := cc.Informers.Core().V1().Nodes()
	leases := cc.Informers.Coordination().V1().Leases()
	pods := cc.Informers.Core().V1().Pods()
	if err := pods.Informer().AddIndexers(cache.Indexers{byNodeName: indexByNodeName}); err != nil {
		return nil, fmt.Errorf("nodelifecycle: index pods by node: %w", err)
	}
	c := &Controller{
		cc: cc, opts: cc.Options, log: cc.Log.With("controller", "nodelifecycle"),
		nodes: nodes.Lister(), leases: leases.Lister(), pods: pods.Informer().GetIndexer(),
		events: cc.Recorder(healthComponent), evicts: cc.Recorder(evictionComponent),
		readiness: map[string]corev1.ConditionStatus{},
	}
	synced := []cache.InformerSynced{nodes.Informer().HasSynced, leases.Informer().HasSynced, pods.Informer().HasSynced}
	c.stubs = stubreport.New(c.events, c.log)
	c.health = controller.NewLoop("nodelifecycle", c.safe(c.syncHealth), cc.Log, synced...)
	c.eviction = controller.NewLoop("taint-eviction", c.safe(c.syncEviction), cc.Log, synced...)
	if _, err := nodes.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.nodeChanged,
		UpdateFunc: func(_, obj any) { c.nodeChanged(obj) },
		DeleteFunc: c.nodeChanged,
	}); err != nil {
		return nil, fmt.Errorf("nodelifecycle: watch nodes: %w", err)
	}
	if _, err := leases.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.leaseChanged,
		UpdateFunc: func(_, obj any) { c.leaseChanged(obj) },
	}); err != nil {
		return nil, fmt.Errorf("nodelifecycle: watch leases: %w", err)
	}
	if _, err := pods.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.podChanged,
		UpdateFunc: func(_, obj any) { c.podChanged(obj) },
	}); err != nil {
		return nil, fmt.Errorf("nodelifecycle: watch pods: %w", err)
	}
	return c, nil
}

// Run runs both loops until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	errs := make(chan error, 1)
	go func() { errs <- c.eviction.Run(ctx, c.opts.Workers) }()
	err := c.health.Run(ctx, c.opts.Workers)
	if eerr := <-errs; err == nil {
		err = eerr
	}
	return err
}

func (c *Controller) nodeChanged(obj any) {
	c.health.Enqueue(obj)
	c.eviction.Enqueue(obj)
}

// leaseChanged brings the node of a renewed Lease of kube-node-lease back.
func (c *Controller) leaseChanged(obj any) {
	if lease, ok := obj.(*coordinationv1.Lease); ok && lease.Namespace == corev1.NamespaceNodeLease {
		c.health.EnqueueKey(lease.Name)
	}
}

// podChanged brings back the node of a pod bound to a node with NoExecute
// taints: the pod may have to go.
func (c *Controller) podChanged(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" || pod.DeletionTimestamp != nil {
		return
	}
	if node, err := c.nodes.Get(pod.Spec.NodeName); err == nil && len(noExecuteTaints(node)) > 0 {
		c.eviction.EnqueueKey(node.Name)
	}
}

func indexByNodeName(obj any) ([]string, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" {
		return nil, nil
	}
	return []string{pod.Spec.NodeName}, nil
}

// podsOn lists the pods bound to node, from the cache (never modify them).
func (c *Controller) podsOn(node string) ([]*corev1.Pod, error) {
	objs, err := c.pods.ByIndex(byNodeName, node)
	if err != nil {
		return nil, fmt.Errorf("list the pods of node %s: %w", node, err)
	}
	pods := make([]*corev1.Pod, 0, len(objs))
	for _, obj := range objs {
		pods = append(pods, obj.(*corev1.Pod))
	}
	return pods, nil
}

// rates are the options of the eviction rate, for the learner's core.
func (c *Controller) rates() nodestate.Rates {
	return nodestate.Rates{Primary: c.opts.NodeEvictionRate, Secondary: c.opts.SecondaryNodeEvictionRate,
		UnhealthyThreshold: c.opts.UnhealthyZoneThreshold, LargeClusterSize: c.opts.LargeClusterSizeThreshold}
}

// safe turns a panic of the learner's core (a stub, say) into an error,
// so one bad decision fails a sync, not the controller-manager. A stub is
// reported once on the node (the key), and not retried: the node's next
// change brings it back.
func (c *Controller) safe(sync controller.SyncFunc) controller.SyncFunc {
	return func(ctx context.Context, key string) (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = exercise.Recovered(p)
			}
			if exercise.IsNotImplemented(err) {
				if node, gerr := c.nodes.Get(key); gerr == nil {
					c.stubs.Report(node, err)
				}
				err = controller.Permanent(err)
			}
		}()
		return sync(ctx, key)
	}
}

// untilNext is how long to wait before looking at a node again: when its
// next deadline passes, and at least every --node-monitor-period.
func (c *Controller) untilNext(d time.Duration) time.Duration {
	if d <= 0 || d > c.opts.NodeMonitorPeriod {
		return c.opts.NodeMonitorPeriod
	}
	return d + 10*time.Millisecond // just past the deadline, never at it
}
