package apiserver

import (
	"context"
	"errors"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/api"
)

// collector carries out a delete's propagationPolicy on the deleted
// object's dependents — the objects whose ownerReferences name it:
//
//   - Background: the owner goes at once; its dependents are deleted after.
//   - Foreground: the owner waits, held by the foregroundDeletion finalizer,
//     until its dependents are gone.
//   - Orphan: the owner waits, held by the orphan finalizer, until its
//     dependents no longer name it; they stay.
//
// It knows which objects are owners from an index of the owner UIDs that
// objects name, kept as they are written, so deleting an object nobody
// depends on costs nothing.
type collector struct {
	s     *Server
	queue workqueue.TypedRateLimitingInterface[ownerKey]

	mu     sync.Mutex
	owners map[types.UID]bool
	warm   bool
}

// ownerKey names an owner whose dependents need work.
type ownerKey struct {
	uid       types.UID
	gvr       schema.GroupVersionResource // empty once the owner is gone
	namespace string
	name      string
}

var errDependentsRemain = errors.New("apiserver: dependents remain")

func newCollector(s *Server) *collector {
	return &collector{s: s, owners: map[types.UID]bool{}, queue: workqueue.NewTypedRateLimitingQueue(
		workqueue.NewTypedItemExponentialFailureRateLimiter[ownerKey](200*time.Millisecond, 5*time.Second))}
}

// ownerRemoved is called once an object is gone from the store.
func (c *collector) ownerRemoved(r api.Resource, obj runtime.Object) {
	m := mustMeta(obj)
	if c.hasDependents(m.GetUID()) {
		c.queue.Add(ownerKey{uid: m.GetUID(), namespace: m.GetNamespace()})
	}
}

// ownerMarked is called when an object is marked for deletion.
func (c *collector) ownerMarked(r api.Resource, obj runtime.Object) {
	m := mustMeta(obj)
	for _, f := range m.GetFinalizers() {
		if f == metav1.FinalizerDeleteDependents || f == metav1.FinalizerOrphanDependents {
			c.queue.Add(ownerKey{uid: m.GetUID(), gvr: r.GroupVersionResource, namespace: m.GetNamespace(), name: m.GetName()})
			return
		}
	}
}

// track records the owners obj names; the server calls it for every write.
func (c *collector) track(obj runtime.Object) {
	refs := mustMeta(obj).GetOwnerReferences()
	if len(refs) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ref := range refs {
		c.owners[ref.UID] = true
	}
}

func (c *collector) hasDependents(uid types.UID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.owners[uid] || !c.warm
}

func (c *collector) run(ctx context.Context) {
	go func() {
		<-ctx.Done()
		c.queue.ShutDown()
	}()
	c.warmUp(ctx)
	for c.next(ctx) {
	}
}

// warmUp fills the owner index from what is stored, and queues the owners
// a restart left waiting on a propagation finalizer.
func (c *collector) warmUp(ctx context.Context) {
	for _, r := range api.Resources() {
		items, _, err := c.s.store.List(ctx, r, "", 0)
		if err != nil {
			c.s.log.Warn("garbage collector: list", "resource", r.Resource, "err", err)
			continue
		}
		for _, item := range items {
			c.track(item)
			if mustMeta(item).GetDeletionTimestamp() != nil {
				c.ownerMarked(r, item)
			}
		}
	}
	c.mu.Lock()
	c.warm = true
	c.mu.Unlock()
}

func (c *collector) next(ctx context.Context) bool {
	key, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(key)
	if err := c.sync(ctx, key); err != nil {
		if !errors.Is(err, errDependentsRemain) {
			c.s.log.Warn("garbage collector", "owner", key.uid, "err", err)
		}
		c.queue.AddRateLimited(key)
		return true
	}
	c.queue.Forget(key)
	return true
}

func (c *collector) sync(ctx context.Context, key ownerKey) error {
	if key.gvr.Empty() {
		return c.deleteDependents(ctx, key)
	}
	r, ok := api.Lookup(key.gvr)
	if !ok {
		return nil
	}
	owner, err := c.s.store.Get(ctx, r, key.namespace, key.name)
	if apierrors.IsNotFound(err) || (err == nil && mustMeta(owner).GetUID() != key.uid) {
		return nil
	}
	if err != nil {
		return err
	}
	if has(mustMeta(owner).GetFinalizers(), metav1.FinalizerOrphanDependents) {
		if err := c.orphanDependents(ctx, key); err != nil {
			return err
		}
		return c.dropFinalizer(ctx, r, owner, metav1.FinalizerOrphanDependents)
	}
	if err := c.deleteDependents(ctx, key); err != nil {
		return err
	}
	return c.dropFinalizer(ctx, r, owner, metav1.FinalizerDeleteDependents)
}

// deleteDependents deletes the objects that name the owner and no other
// owner; it fails with errDependentsRemain while some are still there.
func (c *collector) deleteDependents(ctx context.Context, key ownerKey) error {
	remain := false
	err := c.eachDependent(ctx, key, func(r api.Resource, obj runtime.Object) error {
		remain = true
		if len(mustMeta(obj).GetOwnerReferences()) > 1 {
			return c.dropOwnerRef(ctx, r, obj, key.uid)
		}
		if mustMeta(obj).GetDeletionTimestamp() != nil {
			return nil
		}
		_, err := c.s.deleteObject(ctx, r, obj, &metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)})
		return ignoreNotFound(err)
	})
	if err == nil && remain {
		return errDependentsRemain
	}
	return err
}

func (c *collector) orphanDependents(ctx context.Context, key ownerKey) error {
	return c.eachDependent(ctx, key, func(r api.Resource, obj runtime.Object) error {
		return c.dropOwnerRef(ctx, r, obj, key.uid)
	})
}

// eachDependent calls fn for every object that names key's owner, in the
// owner's namespace (or everywhere, for a cluster-scoped owner).
func (c *collector) eachDependent(ctx context.Context, key ownerKey, fn func(api.Resource, runtime.Object) error) error {
	for _, r := range api.Resources() {
		if key.namespace != "" && !r.Namespaced {
			continue
		}
		items, _, err := c.s.store.List(ctx, r, key.namespace, 0)
		if err != nil {
			return err
		}
		for _, item := range items {
			if names(item, key.uid) {
				if err := fn(r, item); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (c *collector) dropOwnerRef(ctx context.Context, r api.Resource, obj runtime.Object, uid types.UID) error {
	m := mustMeta(obj)
	var keep []metav1.OwnerReference
	for _, ref := range m.GetOwnerReferences() {
		if ref.UID != uid {
			keep = append(keep, ref)
		}
	}
	m.SetOwnerReferences(keep)
	_, err := c.s.store.Update(ctx, r, obj)
	return ignoreNotFound(err)
}

func (c *collector) dropFinalizer(ctx context.Context, r api.Resource, owner runtime.Object, finalizer string) error {
	m := mustMeta(owner)
	m.SetFinalizers(without(m.GetFinalizers(), finalizer))
	if readyToRemove(owner) {
		_, err := c.s.remove(ctx, r, owner)
		return ignoreNotFound(err)
	}
	_, err := c.s.store.Update(ctx, r, owner)
	return ignoreNotFound(err)
}

func names(obj runtime.Object, uid types.UID) bool {
	for _, ref := range mustMeta(obj).GetOwnerReferences() {
		if ref.UID == uid {
			return true
		}
	}
	return false
}

func has(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
