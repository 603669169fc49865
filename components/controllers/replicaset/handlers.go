package replicaset

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	appsv1 "k8s.io/api/apps/v1"
)

// The pods informer's handlers, as kube's addPod, updatePod and deletePod:
// a pod wakes its controller, or, for an orphan, every ReplicaSet that may
// adopt it. They also tell the expectations what the informer has shown.

func (c *Controller) addPod(obj any) {
	pod := obj.(*corev1.Pod)
	if pod.DeletionTimestamp != nil {
		// A restart of the manager may show a pod already being deleted.
		c.deletePod(pod)
		return
	}
	if ref := metav1.GetControllerOf(pod); ref != nil {
		if rs := c.resolve(pod.Namespace, ref); rs != nil {
			key := keyOf(rs)
			c.exp.created(key, 1)
			c.loop.EnqueueKey(key)
		}
		return
	}
	c.enqueueSelecting(pod)
}

func (c *Controller) updatePod(old, cur any) {
	oldPod, curPod := old.(*corev1.Pod), cur.(*corev1.Pod)
	if oldPod.ResourceVersion == curPod.ResourceVersion {
		return // a resync: nothing changed
	}
	labelsChanged := !labels.Equals(oldPod.Labels, curPod.Labels)
	if curPod.DeletionTimestamp != nil {
		// Graceful deletion: the pod is going, so count it gone now, or
		// the ReplicaSet would wait its grace period to replace it.
		c.deletePod(curPod)
		if labelsChanged {
			c.deletePod(oldPod)
		}
		return
	}
	oldRef, curRef := metav1.GetControllerOf(oldPod), metav1.GetControllerOf(curPod)
	refChanged := !equalRefs(oldRef, curRef)
	if refChanged && oldRef != nil {
		if rs := c.resolve(oldPod.Namespace, oldRef); rs != nil {
			c.loop.EnqueueKey(keyOf(rs))
		}
	}
	if curRef != nil {
		if rs := c.resolve(curPod.Namespace, curRef); rs != nil {
			c.loop.EnqueueKey(keyOf(rs))
		}
		return
	}
	if labelsChanged || refChanged {
		c.enqueueSelecting(curPod)
	}
}

func (c *Controller) deletePod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		tombstone, ok := obj.(cache.DeletedFinalStateUnknown)
		if !ok {
			return
		}
		if pod, ok = tombstone.Obj.(*corev1.Pod); !ok {
			return
		}
	}
	ref := metav1.GetControllerOf(pod)
	if ref == nil {
		return // an orphan's going changes no ReplicaSet's count
	}
	if rs := c.resolve(pod.Namespace, ref); rs != nil {
		key := keyOf(rs)
		c.exp.deleted(key, pod.UID)
		c.loop.EnqueueKey(key)
	}
}

// resolve returns the ReplicaSet ref names, if it exists with that UID.
func (c *Controller) resolve(ns string, ref *metav1.OwnerReference) *appsv1.ReplicaSet {
	if ref.Kind != kind.Kind || ref.APIVersion != kind.GroupVersion().String() {
		return nil
	}
	rs, err := c.rss.ReplicaSets(ns).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil
	}
	return rs
}

// enqueueSelecting enqueues every ReplicaSet of the pod's namespace whose
// selector matches its labels: those that may adopt it.
func (c *Controller) enqueueSelecting(pod *corev1.Pod) {
	rss, err := c.rss.ReplicaSets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, rs := range rss {
		sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(pod.Labels)) {
			continue
		}
		c.loop.EnqueueKey(keyOf(rs))
	}
}

func equalRefs(a, b *metav1.OwnerReference) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.UID == b.UID
}

func keyOf(rs *appsv1.ReplicaSet) string { return rs.Namespace + "/" + rs.Name }
