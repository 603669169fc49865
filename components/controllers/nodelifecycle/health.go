package nodelifecycle

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/flowcontrol"

	"github.com/ownkube/ownkube/components/controllers/controller"
	"github.com/ownkube/ownkube/components/controllers/nodelifecycle/core"
	"github.com/ownkube/ownkube/components/controllers/nodelifecycle/nodestate"
)

// What kube writes on the conditions of a node that stopped reporting.
const (
	reasonUnknown      = "NodeStatusUnknown"
	messageUnknown     = "Kubelet stopped posting node status."
	reasonNeverUpdated = "NodeStatusNeverUpdated"
	messageNever       = "Kubelet never posted node status."
)

// The taints this controller owns.
var (
	unreachableNoExecute  = corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}
	notReadyNoExecute     = corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}
	unreachableNoSchedule = corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule}
	notReadyNoSchedule    = corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule}
	owned                 = []corev1.Taint{unreachableNoExecute, notReadyNoExecute, unreachableNoSchedule, notReadyNoSchedule}
)

// syncHealth brings one node's conditions, its pods' readiness and its
// taints in line with its Lease and its Ready condition.
func (c *Controller) syncHealth(ctx context.Context, name string) error {
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		c.forget(name)
		return nil
	}
	if err != nil {
		return err
	}
	now := c.cc.Now()
	gone, recheck := core.Unreachable([]nodestate.Heartbeat{c.heartbeat(node)}, now, c.opts.NodeMonitorGracePeriod)
	if len(gone) > 0 {
		if node, err = c.markUnknown(ctx, node, now); err != nil {
			return err
		}
	}
	ready := readyStatus(node)
	c.noticeReadiness(node, ready)
	if ready == corev1.ConditionUnknown {
		if err := c.markPodsNotReady(ctx, node, now); err != nil {
			return err
		}
	}
	wait, err := c.taint(ctx, node, ready, now)
	if err != nil {
		return err
	}
	return controller.RequeueAfter(c.untilNext(soonest(recheck, wait)))
}

// heartbeat is what the learner's core needs to know of node's signs of life.
func (c *Controller) heartbeat(node *corev1.Node) nodestate.Heartbeat {
	hb := nodestate.Heartbeat{Node: node.Name, Registered: node.CreationTimestamp.Time}
	lease, err := c.leases.Leases(corev1.NamespaceNodeLease).Get(node.Name)
	if err == nil && lease.Spec.RenewTime != nil {
		hb.Renewed = lease.Spec.RenewTime.Time
	}
	return hb
}

// markUnknown writes, as kube does for a node that stopped renewing its
// Lease, every condition Unknown; a node that never reported Ready gets it.
// A node already all Unknown is left as it is.
func (c *Controller) markUnknown(ctx context.Context, node *corev1.Node, now time.Time) (*corev1.Node, error) {
	next := node.DeepCopy()
	changed := false
	hasReady := false
	for i := range next.Status.Conditions {
		cond := &next.Status.Conditions[i]
		hasReady = hasReady || cond.Type == corev1.NodeReady
		if cond.Status == corev1.ConditionUnknown {
			continue
		}
		cond.Status, cond.Reason, cond.Message = corev1.ConditionUnknown, reasonUnknown, messageUnknown
		cond.LastTransitionTime = metav1.NewTime(now)
		changed = true
	}
	if !hasReady {
		next.Status.Conditions = append(next.Status.Conditions, corev1.NodeCondition{
			Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: reasonNeverUpdated, Message: messageNever,
			LastHeartbeatTime: node.CreationTimestamp, LastTransitionTime: metav1.NewTime(now)})
		changed = true
	}
	if !changed {
		return node, nil
	}
	c.log.Info("node stopped renewing its lease; marking it Unknown", "node", node.Name, "grace", c.opts.NodeMonitorGracePeriod)
	updated, err := c.cc.Client.CoreV1().Nodes().UpdateStatus(ctx, next, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("mark node %s Unknown: %w", node.Name, err)
	}
	return updated, nil
}

// noticeReadiness records the Event NodeNotReady when a node seen Ready
// is seen Ready no more.
func (c *Controller) noticeReadiness(node *corev1.Node, ready corev1.ConditionStatus) {
	c.mu.Lock()
	prev, seen := c.readiness[node.Name]
	c.readiness[node.Name] = ready
	c.mu.Unlock()
	if seen && prev == corev1.ConditionTrue && ready != corev1.ConditionTrue {
		ref := &corev1.ObjectReference{Kind: "Node", Name: node.Name, UID: node.UID}
		c.events.Eventf(ref, corev1.EventTypeNormal, "NodeNotReady", "Node %s status is now: NodeNotReady", node.Name)
	}
}

func (c *Controller) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.readiness, name)
}

// markPodsNotReady sets Ready=False on the pods of a node that went away,
// as kube's MarkPodsNotReady does: nothing reports them any more.
func (c *Controller) markPodsNotReady(ctx context.Context, node *corev1.Node, now time.Time) error {
	pods, err := c.podsOn(node.Name)
	if err != nil {
		return err
	}
	for _, pod := range pods {
		i := slices.IndexFunc(pod.Status.Conditions, func(c corev1.PodCondition) bool { return c.Type == corev1.PodReady })
		if i < 0 || pod.Status.Conditions[i].Status == corev1.ConditionFalse {
			continue
		}
		next := pod.DeepCopy()
		cond := &next.Status.Conditions[i]
		cond.Status, cond.LastTransitionTime = corev1.ConditionFalse, metav1.NewTime(now)
		cond.Reason, cond.Message = "NodeNotReady", "Node is not ready"
		if _, err := c.cc.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{}); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return fmt.Errorf("mark pod %s/%s not ready: %w", pod.Namespace, pod.Name, err)
		}
		c.events.Eventf(pod, corev1.EventTypeWarning, "NodeNotReady", "Node is not ready")
	}
	return nil
}

// readyStatus is the status of node's Ready condition; a node that has not
// reported one yet counts as Ready, untainted, until its grace runs out.
func readyStatus(node *corev1.Node) corev1.ConditionStatus {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status
		}
	}
	return corev1.ConditionTrue
}

// wantTaints are the taints of this controller a node with Ready status
// should carry.
func wantTaints(ready corev1.ConditionStatus) []corev1.Taint {
	switch ready {
	case corev1.ConditionTrue:
		return nil
	case corev1.ConditionFalse:
		return []corev1.Taint{notReadyNoSchedule, notReadyNoExecute}
	default:
		return []corev1.Taint{unreachableNoSchedule, unreachableNoExecute}
	}
}

// taint gives node the taints its readiness calls for and removes the
// others of this controller. A NoExecute taint new to the node waits for
// the eviction rate; wait says when to try again if it had to.
func (c *Controller) taint(ctx context.Context, node *corev1.Node, ready corev1.ConditionStatus, now time.Time) (wait time.Duration, err error) {
	want := wantTaints(ready)
	var next []corev1.Taint
	for _, t := range node.Spec.Taints {
		if !isOwned(t) || hasTaint(want, t) {
			next = append(next, t)
		}
	}
	for _, t := range want {
		if hasTaint(next, t) {
			continue
		}
		if t.Effect == corev1.TaintEffectNoExecute {
			swap := hasTaint(node.Spec.Taints, unreachableNoExecute) || hasTaint(node.Spec.Taints, notReadyNoExecute)
			if !swap {
				if wait = c.mayTaint(node.Name, ready); wait > 0 {
					continue
				}
			}
			t.TimeAdded = &metav1.Time{Time: now}
		}
		next = append(next, t)
	}
	if sameTaints(next, node.Spec.Taints) {
		return wait, nil
	}
	updated := node.DeepCopy()
	updated.Spec.Taints = next
	c.log.Info("tainting node", "node", node.Name, "ready", ready, "taints", taintKeys(next))
	if _, err := c.cc.Client.CoreV1().Nodes().Update(ctx, updated, metav1.UpdateOptions{}); err != nil {
		return 0, fmt.Errorf("taint node %s: %w", node.Name, err)
	}
	return wait, nil
}

// mayTaint answers 0 when a node may be tainted NoExecute now, or how long
// to wait: the eviction rate of the zone's state, from the learner's core,
// through a token bucket of one.
func (c *Controller) mayTaint(node string, status corev1.ConditionStatus) time.Duration {
	ready, notReady := c.zoneCounts(node, status)
	zone, rate := core.EvictionRate(ready, notReady, c.rates())
	if rate <= 0 {
		c.log.Info("not evicting: too much of the cluster is down", "node", node, "zone", zone, "ready", ready, "notReady", notReady)
		return c.opts.NodeMonitorPeriod
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.limiter == nil || c.rate != rate {
		c.limiter, c.rate = flowcontrol.NewTokenBucketRateLimiter(float32(rate), 1), rate
	}
	if c.limiter.TryAccept() {
		return 0
	}
	return time.Duration(float64(time.Second) / rate)
}

// zoneCounts counts the nodes Ready and the others, node counted as
// status says (the cache may not show what this sync just wrote).
func (c *Controller) zoneCounts(node string, status corev1.ConditionStatus) (ready, notReady int) {
	nodes, err := c.nodes.List(everything)
	if err != nil {
		return 0, 0
	}
	for _, n := range nodes {
		s := readyStatus(n)
		if n.Name == node {
			s = status
		}
		if s == corev1.ConditionTrue {
			ready++
		} else {
			notReady++
		}
	}
	return ready, notReady
}

// soonest is the shorter of two waits, 0 meaning none.
func soonest(a, b time.Duration) time.Duration {
	if a <= 0 || (b > 0 && b < a) {
		return b
	}
	return a
}

func isOwned(t corev1.Taint) bool { return hasTaint(owned, t) }

// hasTaint reports whether taints hold one of t's key and effect.
func hasTaint(taints []corev1.Taint, t corev1.Taint) bool {
	return slices.ContainsFunc(taints, func(o corev1.Taint) bool { return o.MatchTaint(&t) })
}

func sameTaints(a, b []corev1.Taint) bool {
	return slices.EqualFunc(a, b, func(x, y corev1.Taint) bool { return x.MatchTaint(&y) && x.Value == y.Value })
}

func taintKeys(taints []corev1.Taint) []string {
	keys := make([]string, len(taints))
	for i, t := range taints {
		keys[i] = t.ToString()
	}
	return keys
}

func noExecuteTaints(node *corev1.Node) []corev1.Taint {
	var out []corev1.Taint
	for _, t := range node.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoExecute {
			out = append(out, t)
		}
	}
	return out
}
