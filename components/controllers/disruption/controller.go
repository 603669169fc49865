// Package disruption is the disruption controller, as kube-controller-manager's
// pkg/controller/disruption: it keeps the status of every
// PodDisruptionBudget, which the API server's eviction subresource reads
// to decide whether a pod may be evicted (kubectl drain).
//
// One sync of a budget, in order:
//
//  1. list the pods of its namespace that its selector matches;
//  2. Desired: expectedPods and desiredHealthy from minAvailable or
//     maxUnavailable, asking the scale of the pods' controllers (a
//     ReplicaSet's, or its Deployment's, a StatefulSet's, a
//     ReplicationController's) when a percentage or maxUnavailable needs it;
//  3. Status: currentHealthy (Ready pods not being deleted nor recorded as
//     disrupted by an eviction), disruptionsAllowed, observedGeneration and
//     the DisruptionAllowed condition, written through /status only when
//     they changed; a sync that fails writes disruptionsAllowed 0 with the
//     condition's reason SyncFailed, so nothing is evicted on a guess.
//
// A pod's add, update or delete enqueues every budget that selects it; a
// recorded disruption brings its budget back once it times out.
package disruption

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	policylisters "k8s.io/client-go/listers/policy/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/ownkube/ownkube/components/controllers/controller"
	"github.com/ownkube/ownkube/components/disruption"
)

// Name is the controller's name in --controllers.
const Name = "disruption"

// Controller is the disruption controller: see the package doc.
type Controller struct {
	cc          *controller.Context
	now         func() time.Time
	pdbs        policylisters.PodDisruptionBudgetLister
	pods        corelisters.PodLister
	replicaSets appslisters.ReplicaSetLister
	deployments appslisters.DeploymentLister
	statefulSet appslisters.StatefulSetLister
	rcs         corelisters.ReplicationControllerLister
	loop        *controller.Loop
}

// New builds the controller on cc's informers of budgets and pods, and of
// the controllers whose scale a budget may need.
func New(cc *controller.Context) (controller.Controller, error) { return newController(cc) }

func newController(cc *controller.Context) (*Controller, error) {
	pdbs := cc.Informers.Policy().V1().PodDisruptionBudgets()
	pods := cc.Informers.Core().V1().Pods()
	rss := cc.Informers.Apps().V1().ReplicaSets()
	deps := cc.Informers.Apps().V1().Deployments()
	sets := cc.Informers.Apps().V1().StatefulSets()
	rcs := cc.Informers.Core().V1().ReplicationControllers()
	c := &Controller{cc: cc, now: cc.Now,
		pdbs: pdbs.Lister(), pods: pods.Lister(), replicaSets: rss.Lister(), deployments: deps.Lister(),
		statefulSet: sets.Lister(), rcs: rcs.Lister()}
	if c.now == nil {
		c.now = time.Now
	}
	c.loop = controller.NewLoop(Name, c.sync, cc.Log, pdbs.Informer().HasSynced, pods.Informer().HasSynced,
		rss.Informer().HasSynced, deps.Informer().HasSynced, sets.Informer().HasSynced, rcs.Informer().HasSynced)
	if _, err := pdbs.Informer().AddEventHandler(c.loop.Handlers()); err != nil {
		return nil, fmt.Errorf("disruption: watch poddisruptionbudgets: %w", err)
	}
	if _, err := pods.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueueBudgets,
		UpdateFunc: func(old, obj any) {
			if o, n := old.(*corev1.Pod), obj.(*corev1.Pod); !labels.Equals(o.Labels, n.Labels) {
				c.enqueueBudgets(old) // a budget that selected it selects it no more
			}
			c.enqueueBudgets(obj)
		},
		DeleteFunc: c.enqueueBudgets,
	}); err != nil {
		return nil, fmt.Errorf("disruption: watch pods: %w", err)
	}
	return c, nil
}

// Run syncs budgets until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	return c.loop.Run(ctx, c.cc.Options.WithDefaults().Workers)
}

// enqueueBudgets enqueues every budget of a pod's namespace that selects it.
func (c *Controller) enqueueBudgets(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	pdbs, err := c.pdbs.PodDisruptionBudgets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return // a lister of the cache does not fail
	}
	for _, pdb := range pdbs {
		if selects(pdb, pod) {
			c.loop.Enqueue(pdb)
		}
	}
}

// selects reports whether pdb's selector matches pod; in policy/v1 an
// empty selector matches every pod of the namespace, and one that does
// not parse none.
func selects(pdb *policyv1.PodDisruptionBudget, pod *corev1.Pod) bool {
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	return err == nil && sel.Matches(labels.Set(pod.Labels))
}

// sync is the loop's: it syncs the budget of key and, when a recorded
// disruption times out later, looks again then.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return controller.Permanent(err)
	}
	cached, err := c.pdbs.PodDisruptionBudgets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	pdb := cached.DeepCopy() // the cache's copy is shared: never write to it
	recheck, err := c.syncBudget(ctx, pdb)
	switch {
	case apierrors.IsConflict(err):
		return err // the informer brings the newer budget; the loop retries
	case err != nil:
		// Nothing is evicted on a guess: the budget allows nothing until
		// a sync succeeds. The loop reports err and retries it.
		if failErr := c.failSafe(ctx, pdb, err); failErr != nil {
			return fmt.Errorf("write the failed status of pdb %s: %w (after %w)", key, failErr, err)
		}
		return err
	case !recheck.IsZero():
		return controller.RequeueAfter(recheck.Sub(c.now()))
	}
	return nil
}

// syncBudget computes pdb's status and writes it if it changed; it returns
// when to look again.
func (c *Controller) syncBudget(ctx context.Context, pdb *policyv1.PodDisruptionBudget) (time.Time, error) {
	pods, err := c.selectedPods(pdb)
	if err != nil {
		return time.Time{}, err
	}
	expected, desired, err := Desired(pdb.Spec, pods, c.scaleOf(pdb.Namespace))
	if err != nil {
		return time.Time{}, err
	}
	st, recheck := Status(pdb, pods, expected, desired, c.now())
	next := pdb.DeepCopy()
	next.Status = st
	disruption.SetAllowedCondition(next)
	if apiequality.Semantic.DeepEqual(next.Status, pdb.Status) {
		return recheck, nil
	}
	if _, err := c.cc.Client.PolicyV1().PodDisruptionBudgets(pdb.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{}); err != nil {
		return time.Time{}, fmt.Errorf("update status of pdb %s/%s: %w", pdb.Namespace, pdb.Name, err)
	}
	return recheck, nil
}

// failSafe writes that pdb allows no disruption, with why, as kube's does.
func (c *Controller) failSafe(ctx context.Context, pdb *policyv1.PodDisruptionBudget, cause error) error {
	next := pdb.DeepCopy()
	next.Status.DisruptionsAllowed = 0
	if next.Status.Conditions == nil {
		next.Status.Conditions = []metav1.Condition{}
	}
	apimeta.SetStatusCondition(&next.Status.Conditions, metav1.Condition{Type: policyv1.DisruptionAllowedCondition,
		Status: metav1.ConditionFalse, Reason: policyv1.SyncFailedReason, Message: cause.Error(),
		ObservedGeneration: next.Status.ObservedGeneration})
	_, err := c.cc.Client.PolicyV1().PodDisruptionBudgets(pdb.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{})
	return err
}

// selectedPods lists the pods of pdb's namespace its selector matches.
func (c *Controller) selectedPods(pdb *policyv1.PodDisruptionBudget) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil {
		return nil, controller.Permanent(fmt.Errorf("selector of pdb %s/%s: %w", pdb.Namespace, pdb.Name, err))
	}
	return c.pods.Pods(pdb.Namespace).List(sel)
}

// scaleOf is kube's getExpectedScale over the caches of namespace: the sum
// of the spec.replicas of the pods' controllers, each counted once. A pod
// with no controller is left out, as kube leaves its unmanaged pods; a
// controller of a kind without a scale is an error.
func (c *Controller) scaleOf(namespace string) ScaleFunc {
	return func(pods []*corev1.Pod) (int32, error) {
		scales := map[types.UID]int32{}
		for _, pod := range pods {
			ref := metav1.GetControllerOf(pod)
			if ref == nil {
				continue
			}
			uid, scale, err := c.controllerScale(namespace, ref)
			if err != nil {
				return 0, fmt.Errorf("%w %q: %w", ErrNoScale, pod.Name, err)
			}
			scales[uid] = scale
		}
		var sum int32
		for _, s := range scales {
			sum += s
		}
		return sum, nil
	}
}

// controllerScale finds the controller ref names: a ReplicaSet (or the
// Deployment that controls it), a StatefulSet or a ReplicationController.
func (c *Controller) controllerScale(ns string, ref *metav1.OwnerReference) (types.UID, int32, error) {
	switch {
	case ref.Kind == "ReplicaSet" && ref.APIVersion == appsv1.SchemeGroupVersion.String():
		rs, err := c.replicaSets.ReplicaSets(ns).Get(ref.Name)
		if err != nil || rs.UID != ref.UID {
			return "", 0, fmt.Errorf("replicaset %s: %w", ref.Name, orGone(err))
		}
		if dref := metav1.GetControllerOf(rs); dref != nil && dref.Kind == "Deployment" {
			d, err := c.deployments.Deployments(ns).Get(dref.Name)
			if err != nil || d.UID != dref.UID {
				return "", 0, fmt.Errorf("deployment %s: %w", dref.Name, orGone(err))
			}
			return d.UID, replicas(d.Spec.Replicas), nil
		}
		return rs.UID, replicas(rs.Spec.Replicas), nil
	case ref.Kind == "StatefulSet" && ref.APIVersion == appsv1.SchemeGroupVersion.String():
		ss, err := c.statefulSet.StatefulSets(ns).Get(ref.Name)
		if err != nil || ss.UID != ref.UID {
			return "", 0, fmt.Errorf("statefulset %s: %w", ref.Name, orGone(err))
		}
		return ss.UID, replicas(ss.Spec.Replicas), nil
	case ref.Kind == "ReplicationController" && ref.APIVersion == "v1":
		rc, err := c.rcs.ReplicationControllers(ns).Get(ref.Name)
		if err != nil || rc.UID != ref.UID {
			return "", 0, fmt.Errorf("replicationcontroller %s: %w", ref.Name, orGone(err))
		}
		return rc.UID, replicas(rc.Spec.Replicas), nil
	}
	return "", 0, fmt.Errorf("%s %s has no scale this controller knows", ref.Kind, ref.Name)
}

// orGone is err, or, for a controller found with another UID, that the
// one the pod names is gone.
func orGone(err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("the controller the pod names was replaced")
}

// replicas is spec.replicas, whose default is 1.
func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}
