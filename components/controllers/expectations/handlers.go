package expectations

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// PodHandlers are the pod informer's handlers of a controller whose pods
// name it, of kind owner, as their controller: each event brings back the
// owner's key ("namespace/name") through enqueue, after lowering its
// expectations by the creation or deletion the event shows (a pod marked
// for deletion counts as deleted).
func (e *Expectations) PodHandlers(owner schema.GroupVersionKind, enqueue func(key string)) cache.ResourceEventHandlerFuncs {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { e.podEvent(owner, enqueue, obj, added) },
		UpdateFunc: func(old, obj any) {
			if old.(*corev1.Pod).DeletionTimestamp == nil && obj.(*corev1.Pod).DeletionTimestamp != nil {
				e.podEvent(owner, enqueue, obj, deleted)
				return
			}
			e.podEvent(owner, enqueue, obj, changed)
		},
		DeleteFunc: func(obj any) { e.podEvent(owner, enqueue, obj, deleted) },
	}
}

type podChange int

const (
	changed podChange = iota
	added
	deleted
)

func (e *Expectations) podEvent(owner schema.GroupVersionKind, enqueue func(string), obj any, what podChange) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	ref := metav1.GetControllerOf(pod)
	if ref == nil || ref.Kind != owner.Kind || ref.APIVersion != owner.GroupVersion().String() {
		return
	}
	key := pod.Namespace + "/" + ref.Name
	switch what {
	case added:
		e.Observed(key, true)
	case deleted:
		e.Observed(key, false)
	}
	enqueue(key)
}
