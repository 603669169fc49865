package apiserver

import (
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
)

// withFinalizersOf returns cur with obj's spec.finalizers: what a
// namespaces/finalize update stores.
func withFinalizersOf(cur, obj runtime.Object) runtime.Object {
	next := cur.DeepCopyObject().(*corev1.Namespace)
	next.Spec.Finalizers = obj.(*corev1.Namespace).Spec.Finalizers
	next.ResourceVersion = mustMeta(obj).GetResourceVersion()
	return next
}

func without[T comparable](list []T, drop T) []T {
	out := list[:0:0]
	for _, v := range list {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}

func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
