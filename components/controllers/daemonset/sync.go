package daemonset

import (
	"context"
	"fmt"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/controllers/controller"
)

// nodeState is one node as a sync sees it for one DaemonSet.
type nodeState struct {
	node      *corev1.Node
	run, stay bool
	pods      []*corev1.Pod // active: neither ended nor being deleted
	failed    []*corev1.Pod
}

// plan is what a sync does: the nodes to give a pod, the pods to delete
// (gracefully, or at once for those whose node is gone).
type plan struct {
	create []string
	remove []*corev1.Pod
	force  []*corev1.Pod
}

func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return controller.Permanent(err)
	}
	ds, err := c.sets.DaemonSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.expect.Forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	if ds.DeletionTimestamp != nil {
		return nil // the garbage collector takes its pods
	}
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return err
	}
	pods, err := c.ownPods(ds)
	if err != nil {
		return err
	}
	now := c.cc.Now()
	hash := templateHash(ds)
	states, orphans := byNode(ds, nodes, pods)
	if c.expect.Satisfied(key) {
		p := decide(ds, states, hash, now)
		p.force = orphans
		if err := c.execute(ctx, key, ds, hash, p); err != nil {
			return err
		}
	}
	wait, err := c.writeStatus(ctx, ds, states, hash, now)
	if err != nil {
		return err
	}
	if wait > 0 {
		return controller.RequeueAfter(wait) // a pod becomes available after minReadySeconds
	}
	return nil
}

// byNode sorts ds's pods by node; orphans are those bound to no node that
// exists.
func byNode(ds *appsv1.DaemonSet, nodes []*corev1.Node, pods []*corev1.Pod) ([]*nodeState, []*corev1.Pod) {
	slices.SortFunc(nodes, func(a, b *corev1.Node) int { return compareStrings(a.Name, b.Name) })
	index := map[string]*nodeState{}
	states := make([]*nodeState, 0, len(nodes))
	for _, n := range nodes {
		st := &nodeState{node: n}
		st.run, st.stay = shouldRun(ds, n)
		index[n.Name] = st
		states = append(states, st)
	}
	var orphans []*corev1.Pod
	for _, p := range pods {
		st := index[p.Spec.NodeName]
		switch {
		case st == nil:
			orphans = append(orphans, p)
		case p.DeletionTimestamp != nil:
		case p.Status.Phase == corev1.PodFailed:
			st.failed = append(st.failed, p)
		default:
			st.pods = append(st.pods, p)
		}
	}
	for _, st := range states {
		slices.SortFunc(st.pods, func(a, b *corev1.Pod) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
	}
	return states, orphans
}

// decide is what to create and delete so that every node that should run
// ds runs one pod of it, of its current template within maxUnavailable.
func decide(ds *appsv1.DaemonSet, states []*nodeState, hash string, now time.Time) plan {
	var p plan
	for _, st := range states {
		p.remove = append(p.remove, st.failed...) // replaced below, as kube does
		switch {
		case !st.stay:
			p.remove = append(p.remove, st.pods...)
		case st.run && len(st.pods) == 0:
			p.create = append(p.create, st.node.Name)
		case len(st.pods) > 1:
			p.remove = append(p.remove, st.pods[1:]...) // keep the oldest
		}
	}
	if ds.Spec.UpdateStrategy.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		p.remove = append(p.remove, rollingUpdate(ds, states, hash, now)...)
	}
	return p
}

// rollingUpdate picks the old pods to delete now: every old pod that is
// not available, then old available ones while fewer than maxUnavailable
// nodes are without an available pod.
func rollingUpdate(ds *appsv1.DaemonSet, states []*nodeState, hash string, now time.Time) []*corev1.Pod {
	var desired, unavailable int
	var oldAvailable, victims []*corev1.Pod
	for _, st := range states {
		if !st.run {
			continue
		}
		desired++
		if len(st.pods) == 0 || !available(st.pods[0], ds.Spec.MinReadySeconds, now) {
			unavailable++
		}
		if len(st.pods) != 1 || st.pods[0].Labels[appsv1.ControllerRevisionHashLabelKey] == hash {
			continue
		}
		if available(st.pods[0], ds.Spec.MinReadySeconds, now) {
			oldAvailable = append(oldAvailable, st.pods[0])
		} else {
			victims = append(victims, st.pods[0])
		}
	}
	maxUnavailable := 1
	if ru := ds.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxUnavailable != nil {
		v, err := intstr.GetScaledValueFromIntOrPercent(ru.MaxUnavailable, desired, true)
		if err == nil {
			maxUnavailable = v
		}
	}
	budget := max(0, maxUnavailable-unavailable)
	return append(victims, oldAvailable[:min(budget, len(oldAvailable))]...)
}

// available reports whether pod has been Ready for minReadySeconds at now.
func available(pod *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return minReadySeconds == 0 || !c.LastTransitionTime.Add(time.Duration(minReadySeconds)*time.Second).After(now)
		}
	}
	return false
}

// execute carries out p, counting on the informer to show every change.
func (c *Controller) execute(ctx context.Context, key string, ds *appsv1.DaemonSet, hash string, p plan) error {
	p.remove = uniquePods(p.remove)
	c.expect.Expect(key, len(p.create), len(p.remove)+len(p.force))
	for i, node := range p.create {
		if err := c.createPod(ctx, ds, node, hash); err != nil {
			for range len(p.create) - i {
				c.expect.Observed(key, true)
			}
			return err
		}
	}
	for i, pod := range append(p.remove, p.force...) {
		grace := (*int64)(nil)
		if i >= len(p.remove) {
			grace = ptr.To[int64](0) // its node is gone: no kubelet will confirm it
		}
		if err := c.deletePod(ctx, ds, pod, grace); err != nil {
			for range len(p.remove) + len(p.force) - i {
				c.expect.Observed(key, false)
			}
			return err
		}
	}
	return nil
}

func (c *Controller) createPod(ctx context.Context, ds *appsv1.DaemonSet, node, hash string) error {
	created, err := c.cc.Client.CoreV1().Pods(ds.Namespace).Create(ctx, newPod(ds, node, hash), metav1.CreateOptions{})
	if err != nil {
		c.events.Eventf(ds, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		if apierrors.IsInvalid(err) || apierrors.IsForbidden(err) {
			return controller.Permanent(fmt.Errorf("create a pod of daemonset %s/%s on node %s: %w", ds.Namespace, ds.Name, node, err))
		}
		return fmt.Errorf("create a pod of daemonset %s/%s on node %s: %w", ds.Namespace, ds.Name, node, err)
	}
	c.events.Eventf(ds, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", created.Name)
	return nil
}

func (c *Controller) deletePod(ctx context.Context, ds *appsv1.DaemonSet, pod *corev1.Pod, grace *int64) error {
	err := c.cc.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: grace, Preconditions: &metav1.Preconditions{UID: &pod.UID}})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		c.events.Eventf(ds, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
		return fmt.Errorf("delete pod %s/%s of daemonset %s: %w", pod.Namespace, pod.Name, ds.Name, err)
	}
	c.events.Eventf(ds, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", pod.Name)
	return nil
}

func uniquePods(pods []*corev1.Pod) []*corev1.Pod {
	seen := map[*corev1.Pod]bool{}
	return slices.DeleteFunc(pods, func(p *corev1.Pod) bool {
		dup := seen[p]
		seen[p] = true
		return dup
	})
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
