package apiserver

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/api"
)

// namespaceCleaner empties a Terminating namespace — it deletes everything
// in it, then waits for what takes time (pods stopping on their nodes,
// finalizers) — and removes it once it is empty. In Kubernetes this is the
// namespace controller's work; here the API server does it, so a namespace
// can be deleted from the first stage on.
type namespaceCleaner struct {
	s     *Server
	queue workqueue.TypedRateLimitingInterface[string]
}

// errContentsRemain asks for the namespace to be looked at again soon.
var errContentsRemain = errors.New("apiserver: namespace still has contents")

// namespaceResync is how often terminating namespaces are looked for, in
// case one was missed (the server restarted during a deletion).
const namespaceResync = 10 * time.Second

func newNamespaceCleaner(s *Server) *namespaceCleaner {
	return &namespaceCleaner{s: s, queue: workqueue.NewTypedRateLimitingQueue(
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](200*time.Millisecond, 5*time.Second))}
}

func (c *namespaceCleaner) enqueue(name string) { c.queue.Add(name) }

func (c *namespaceCleaner) run(ctx context.Context) {
	go func() {
		<-ctx.Done()
		c.queue.ShutDown()
	}()
	go c.resync(ctx)
	for c.next(ctx) {
	}
}

func (c *namespaceCleaner) next(ctx context.Context) bool {
	name, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(name)
	switch err := c.sync(ctx, name); {
	case err == nil:
		c.queue.Forget(name)
	case errors.Is(err, errContentsRemain):
		c.queue.AddRateLimited(name)
	default:
		c.s.log.Warn("namespace cleanup", "namespace", name, "err", err)
		c.queue.AddRateLimited(name)
	}
	return true
}

func (c *namespaceCleaner) resync(ctx context.Context) {
	ticker := time.NewTicker(namespaceResync)
	defer ticker.Stop()
	for {
		items, _, err := c.s.store.List(ctx, c.s.namespaceResource(), "", 0)
		for _, item := range items {
			if err == nil && mustMeta(item).GetDeletionTimestamp() != nil {
				c.enqueue(mustMeta(item).GetName())
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// sync deletes the contents of a terminating namespace and, once none
// remain, lets the namespace itself go.
func (c *namespaceCleaner) sync(ctx context.Context, name string) error {
	obj, err := c.s.store.Get(ctx, c.s.namespaceResource(), "", name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil || mustMeta(obj).GetDeletionTimestamp() == nil {
		return err
	}
	remaining := 0
	for _, r := range api.Resources() {
		if !r.Namespaced {
			continue
		}
		n, err := c.deleteAll(ctx, r, name)
		if err != nil {
			return err
		}
		remaining += n
	}
	if remaining > 0 {
		return errContentsRemain
	}
	return c.finalize(ctx, obj.(*corev1.Namespace))
}

// deleteAll deletes every object of r in the namespace that is not already
// on its way out, and returns how many are still there.
func (c *namespaceCleaner) deleteAll(ctx context.Context, r api.Resource, namespace string) (int, error) {
	items, _, err := c.s.store.List(ctx, r, namespace, 0)
	if err != nil {
		return 0, err
	}
	background := &metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)}
	for _, item := range items {
		if mustMeta(item).GetDeletionTimestamp() != nil {
			continue
		}
		if _, err := c.s.deleteObject(ctx, r, item, background); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return 0, err
		}
	}
	return len(items), nil
}

// finalize removes the "kubernetes" finalizer of an emptied namespace,
// which removes the namespace unless other finalizers hold it.
func (c *namespaceCleaner) finalize(ctx context.Context, ns *corev1.Namespace) error {
	ns.Spec.Finalizers = without(ns.Spec.Finalizers, corev1.FinalizerKubernetes)
	if readyToRemove(ns) {
		_, err := c.s.remove(ctx, c.s.namespaceResource(), ns)
		return ignoreNotFound(err)
	}
	_, err := c.s.store.Update(ctx, c.s.namespaceResource(), ns)
	return ignoreNotFound(err)
}

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
