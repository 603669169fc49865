package replicaset

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/ownkube/ownkube/components/controllers/controller"
	"github.com/ownkube/ownkube/components/kit/stubreport"
)

// Name is the controller's name in the manager's table and its log lines;
// Component is the source its Events carry, as kube names it.
const (
	Name      = "replicaset"
	Component = "replicaset-controller"
)

// kind is what a pod's controller reference names.
var kind = appsv1.SchemeGroupVersion.WithKind("ReplicaSet")

// Controller keeps every ReplicaSet's pods at its count.
type Controller struct {
	client   kubernetes.Interface
	rss      appslisters.ReplicaSetLister
	pods     corelisters.PodLister
	recorder record.EventRecorder
	stubs    *stubreport.Reporter // says so on a ReplicaSet when core.Manage is a stub
	exp      *expectations
	loop     *controller.Loop
	burst    int
	workers  int
	now      func() time.Time
	log      *slog.Logger
}

// New builds the controller on cc's informers; Run starts it.
func New(cc *controller.Context) (controller.Controller, error) {
	opts := cc.Options.WithDefaults()
	rsInformer := cc.Informers.Apps().V1().ReplicaSets()
	podInformer := cc.Informers.Core().V1().Pods()
	c := &Controller{
		client:   cc.Client,
		rss:      rsInformer.Lister(),
		pods:     podInformer.Lister(),
		recorder: cc.Recorder(Component),
		exp:      newExpectations(cc.Now),
		burst:    opts.BurstReplicas,
		workers:  opts.Workers,
		now:      cc.Now,
		log:      cc.Log.With("controller", Name),
	}
	c.stubs = stubreport.New(c.recorder, c.log)
	c.loop = controller.NewLoop(Name, c.sync, cc.Log, rsInformer.Informer().HasSynced, podInformer.Informer().HasSynced)
	if _, err := rsInformer.Informer().AddEventHandler(c.loop.Handlers()); err != nil {
		return nil, fmt.Errorf("replicaset: watch ReplicaSets: %w", err)
	}
	if _, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.addPod, UpdateFunc: c.updatePod, DeleteFunc: c.deletePod,
	}); err != nil {
		return nil, fmt.Errorf("replicaset: watch pods: %w", err)
	}
	return c, nil
}

// Run syncs ReplicaSets until ctx ends.
func (c *Controller) Run(ctx context.Context) error { return c.loop.Run(ctx, c.workers) }

// sync brings one ReplicaSet's pods to its count and writes its status.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return controller.Permanent(fmt.Errorf("replicaset: bad key %q: %w", key, err))
	}
	rs, err := c.rss.ReplicaSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.exp.forget(key)
		return nil
	}
	if err != nil {
		return fmt.Errorf("replicaset %s: read from the cache: %w", key, err)
	}
	selector, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		// The API validates selectors; one it let through cannot be mended here.
		return controller.Permanent(fmt.Errorf("replicaset %s: selector: %w", key, err))
	}
	needsSync := c.exp.satisfied(key)
	all, err := c.pods.Pods(ns).List(labels.Everything())
	if err != nil {
		return fmt.Errorf("replicaset %s: list pods from the cache: %w", key, err)
	}
	pods, err := c.claim(ctx, rs, selector, activePods(all))
	if err != nil {
		return err
	}
	var manageErr error
	if needsSync && rs.DeletionTimestamp == nil {
		manageErr = c.manage(ctx, key, rs, pods)
	}
	status, recheck := calculateStatus(rs, pods, manageErr, c.now())
	if err := c.updateStatus(ctx, rs, status); err != nil {
		return err
	}
	if manageErr != nil {
		return manageErr
	}
	if recheck > 0 {
		return controller.RequeueAfter(recheck)
	}
	return nil
}

// activePods are the pods that count: not finished, not being deleted.
func activePods(pods []*corev1.Pod) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range pods {
		if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}
