package garbagecollector

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/controllers/controller"
)

// Name is the collector's name in --controllers and in its Events.
const Name = "garbagecollector"

// ignored are resources the collector does not watch: nothing owns through
// them, and they churn.
var ignored = map[schema.GroupResource]bool{{Resource: "events"}: true}

// recheck is how soon an owner waiting on its dependents is looked at
// again, should an event about them be missed.
const recheck = 2 * time.Second

// Collector is the garbage collector.
type Collector struct {
	dynamic   dynamic.Interface
	informers dynamicinformer.DynamicSharedInformerFactory
	graph     *graph
	loop      *controller.Loop
	byKind    map[schema.GroupVersionKind]controller.Resource
	workers   int
	log       *slog.Logger
}

// New discovers the served resources and watches every one that can be
// listed, watched and deleted.
func New(cc *controller.Context) (controller.Controller, error) {
	if cc.Dynamic == nil {
		return nil, fmt.Errorf("%s: a dynamic client is required", Name)
	}
	resources, err := controller.Discover(cc.Client.Discovery())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	gc := &Collector{
		dynamic:   cc.Dynamic,
		informers: dynamicinformer.NewDynamicSharedInformerFactory(cc.Dynamic, 0),
		graph:     newGraph(),
		byKind:    map[schema.GroupVersionKind]controller.Resource{},
		workers:   cc.Options.Workers,
		log:       cc.Log.With("controller", Name),
	}
	var synced []cache.InformerSynced
	for _, r := range resources {
		if ignored[r.GroupResource()] || !r.Can("list", "watch", "delete") {
			continue
		}
		gc.byKind[r.GroupVersion().WithKind(r.Kind)] = r
		inf := gc.informers.ForResource(r.GroupVersionResource).Informer()
		if _, err := inf.AddEventHandler(gc.handlers(r.GroupVersionResource)); err != nil {
			return nil, fmt.Errorf("%s: watch %s: %w", Name, r.GroupVersionResource, err)
		}
		synced = append(synced, inf.HasSynced)
	}
	gc.loop = controller.NewLoop(Name, gc.sync, cc.Log, synced...)
	return gc, nil
}

// Run starts the collector's informers and works until ctx ends.
func (gc *Collector) Run(ctx context.Context) error {
	gc.informers.Start(ctx.Done())
	defer gc.informers.Shutdown()
	return gc.loop.Run(ctx, gc.workers)
}

// handlers keep the graph and queue the objects whose owners, or whose
// dependents, changed.
func (gc *Collector) handlers(gvr schema.GroupVersionResource) cache.ResourceEventHandlerFuncs {
	observe := func(obj any) {
		n, ok := nodeOf(gvr, obj)
		if !ok {
			return
		}
		for _, owner := range gc.graph.upsert(n) {
			gc.loop.EnqueueKey(string(owner)) // an owner waiting for this one to let go
		}
		if len(n.owners) > 0 || n.deleting {
			gc.loop.EnqueueKey(string(n.ref.uid))
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    observe,
		UpdateFunc: func(_, obj any) { observe(obj) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			m, err := meta.Accessor(obj)
			if err != nil {
				return
			}
			n, ok := gc.graph.remove(m.GetUID())
			if !ok {
				return
			}
			for _, d := range gc.graph.dependentsOf(n.ref.uid) {
				gc.loop.EnqueueKey(string(d.ref.uid)) // its owner is gone
			}
			for _, o := range n.owners {
				gc.loop.EnqueueKey(string(o.UID)) // a Foreground owner may wait for it
			}
		},
	}
}

func nodeOf(gvr schema.GroupVersionResource, obj any) (*node, bool) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, false
	}
	return &node{
		ref:        ref{gvr: gvr, namespace: m.GetNamespace(), name: m.GetName(), uid: m.GetUID()},
		owners:     m.GetOwnerReferences(),
		deleting:   m.GetDeletionTimestamp() != nil,
		finalizers: m.GetFinalizers(),
	}, true
}

// sync looks at one object, by UID: as an owner being deleted with a
// propagation finalizer, and as a dependent whose owners may be gone.
func (gc *Collector) sync(ctx context.Context, key string) error {
	n, ok := gc.graph.get(types.UID(key))
	if !ok {
		return nil // gone: its dependents were queued when it went
	}
	if n.deleting {
		switch {
		case slices.Contains(n.finalizers, metav1.FinalizerOrphanDependents):
			return gc.orphanDependents(ctx, n)
		case slices.Contains(n.finalizers, metav1.FinalizerDeleteDependents):
			return gc.deleteDependents(ctx, n)
		}
	}
	return gc.collectIfOrphaned(ctx, n)
}

// collectIfOrphaned deletes n if every owner it names is gone, or drops the
// references to the owners that are gone if others remain. The graph only
// says whether to look: what is deleted is decided on the object as the API
// holds it now, since an owner may have been added that the graph has not
// seen yet (Kubernetes' collector reads the latest object too).
func (gc *Collector) collectIfOrphaned(ctx context.Context, n node) error {
	gone, err := gc.goneOwners(ctx, n, n.owners)
	if err != nil || len(gone) == 0 {
		return err
	}
	live, err := gc.resource(n.ref).Get(ctx, n.ref.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) || err == nil && live.GetUID() != n.ref.uid {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", n.ref, err)
	}
	owners := live.GetOwnerReferences()
	if gone, err = gc.goneOwners(ctx, n, owners); err != nil || len(gone) == 0 {
		return err
	}
	if len(gone) < len(owners) {
		return gc.dropOwners(ctx, n.ref, gone...)
	}
	if live.GetDeletionTimestamp() != nil {
		return nil // already on its way out
	}
	gc.log.Info("deleting an object whose owners are gone", "object", n.ref.String())
	// At the resourceVersion read: if an owner was added since, the
	// delete fails with a 409 and the object is looked at again.
	return gc.delete(ctx, n.ref, live.GetResourceVersion(), metav1.DeletePropagationBackground)
}

// goneOwners returns the UIDs of the owners, of those n names, that are gone.
func (gc *Collector) goneOwners(ctx context.Context, n node, owners []metav1.OwnerReference) ([]types.UID, error) {
	var gone []types.UID
	for _, o := range owners {
		exists, err := gc.ownerExists(ctx, n, o)
		if err != nil {
			return nil, err
		}
		if !exists {
			gone = append(gone, o.UID)
		}
	}
	return gone, nil
}

// ownerExists answers from the graph when it can, and otherwise from a live
// read: the graph lags, and deleting on its word alone could delete what a
// newly created owner holds.
func (gc *Collector) ownerExists(ctx context.Context, dependent node, owner metav1.OwnerReference) (bool, error) {
	if n, ok := gc.graph.get(owner.UID); ok && !n.deleting {
		return true, nil
	}
	gv, err := schema.ParseGroupVersion(owner.APIVersion)
	if err != nil {
		return true, nil // an owner that cannot be named is kept, not guessed at
	}
	r, ok := gc.byKind[gv.WithKind(owner.Kind)]
	if !ok {
		gc.log.Warn("owner of a kind not served; keeping its dependent", "dependent", dependent.ref.String(), "owner", owner.Kind)
		return true, nil
	}
	client := gc.dynamic.Resource(r.GroupVersionResource)
	var live *unstructured.Unstructured
	if r.Namespaced {
		live, err = client.Namespace(dependent.ref.namespace).Get(ctx, owner.Name, metav1.GetOptions{})
	} else {
		live, err = client.Get(ctx, owner.Name, metav1.GetOptions{})
	}
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read owner %s %s of %s: %w", owner.Kind, owner.Name, dependent.ref, err)
	}
	// An owner deleted in the background is removed at once; one still
	// here, even being deleted, holds its dependents until it goes.
	return live.GetUID() == owner.UID, nil
}

// deleteDependents carries out a Foreground deletion: the dependents are
// deleted, and once none remain the owner's finalizer is removed.
func (gc *Collector) deleteDependents(ctx context.Context, owner node) error {
	deps := gc.graph.dependentsOf(owner.ref.uid)
	if len(deps) == 0 {
		// The graph may not have seen a dependent yet: each resource has
		// its own informer, and a pod created just before its owner's
		// deletion can reach the graph after the owner does. Releasing
		// the owner on the graph's word would leave that dependent
		// orphaned, so the API decides.
		live, err := gc.liveDependents(ctx, owner)
		if err != nil {
			return err
		}
		if len(live) == 0 {
			return gc.removeFinalizer(ctx, owner.ref, metav1.FinalizerDeleteDependents)
		}
		deps = live
	}
	for _, d := range deps {
		switch {
		case len(d.owners) > 1:
			// Another owner still holds it: it only lets go of this one.
			if err := gc.dropOwners(ctx, d.ref, owner.ref.uid); err != nil {
				return err
			}
		case !d.deleting:
			// As in Kubernetes: a dependent that blocks its owner's
			// deletion goes in the foreground too, so the owner also waits
			// for the dependents' own dependents.
			policy := metav1.DeletePropagationBackground
			if i := slices.IndexFunc(d.owners, func(o metav1.OwnerReference) bool { return o.UID == owner.ref.uid }); i >= 0 && ptr.Deref(d.owners[i].BlockOwnerDeletion, false) {
				policy = metav1.DeletePropagationForeground
			}
			if err := gc.delete(ctx, d.ref, "", policy); err != nil {
				return err
			}
		}
	}
	return controller.RequeueAfter(recheck) // until the dependents are gone
}

// liveDependents lists, from the API, the objects that name owner: in its
// namespace for a namespaced owner, everywhere for a cluster-scoped one.
// It is read once per Orphan deletion, and once per Foreground deletion
// when the graph holds no more dependents: a few lists per such deletion.
func (gc *Collector) liveDependents(ctx context.Context, owner node) ([]node, error) {
	var out []node
	for _, r := range gc.byKind {
		if owner.ref.namespace != "" && !r.Namespaced {
			continue // a namespaced owner owns nothing cluster-scoped
		}
		client := gc.dynamic.Resource(r.GroupVersionResource)
		var list *unstructured.UnstructuredList
		var err error
		if r.Namespaced {
			list, err = client.Namespace(owner.ref.namespace).List(ctx, metav1.ListOptions{})
		} else {
			list, err = client.List(ctx, metav1.ListOptions{})
		}
		if err != nil {
			return nil, fmt.Errorf("list %s for the dependents of %s: %w", r.GroupVersionResource, owner.ref, err)
		}
		for i := range list.Items {
			if names(list.Items[i].GetOwnerReferences(), owner.ref.uid) {
				n, _ := nodeOf(r.GroupVersionResource, &list.Items[i])
				out = append(out, *n)
			}
		}
	}
	return out, nil
}

// orphanDependents carries out an Orphan deletion: every dependent loses
// its reference to the owner, then the owner's finalizer is removed.
// The dependents are read from the API, not the graph, for the reason
// deleteDependents gives: one the graph has not seen yet would keep its
// reference and be collected once the owner is gone.
func (gc *Collector) orphanDependents(ctx context.Context, owner node) error {
	deps, err := gc.liveDependents(ctx, owner)
	if err != nil {
		return err
	}
	for _, d := range deps {
		if err := gc.dropOwners(ctx, d.ref, owner.ref.uid); err != nil {
			return err
		}
	}
	return gc.removeFinalizer(ctx, owner.ref, metav1.FinalizerOrphanDependents)
}

func (gc *Collector) resource(r ref) dynamic.ResourceInterface {
	if r.namespace == "" {
		return gc.dynamic.Resource(r.gvr)
	}
	return gc.dynamic.Resource(r.gvr).Namespace(r.namespace)
}

// delete deletes the object r names, if it is still the one r names (and,
// with resourceVersion set, still at that version).
func (gc *Collector) delete(ctx context.Context, r ref, resourceVersion string, policy metav1.DeletionPropagation) error {
	pre := &metav1.Preconditions{UID: ptr.To(r.uid)}
	if resourceVersion != "" {
		pre.ResourceVersion = &resourceVersion
	}
	err := gc.resource(r).Delete(ctx, r.name, metav1.DeleteOptions{PropagationPolicy: &policy, Preconditions: pre})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) && gc.replaced(ctx, r) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete %s: %w", r, err)
	}
	return nil
}

// replaced reports whether the object of r's name is now another one (a
// precondition on the UID failed for that reason, not a race).
func (gc *Collector) replaced(ctx context.Context, r ref) bool {
	live, err := gc.resource(r).Get(ctx, r.name, metav1.GetOptions{})
	return apierrors.IsNotFound(err) || err == nil && live.GetUID() != r.uid
}

// dropOwners removes the references to owners from the object r names.
func (gc *Collector) dropOwners(ctx context.Context, r ref, owners ...types.UID) error {
	return gc.update(ctx, r, func(obj *unstructured.Unstructured) bool {
		refs := obj.GetOwnerReferences()
		keep := slices.DeleteFunc(slices.Clone(refs), func(o metav1.OwnerReference) bool { return slices.Contains(owners, o.UID) })
		obj.SetOwnerReferences(keep)
		return len(keep) != len(refs)
	})
}

// removeFinalizer removes finalizer from the object r names; the API server
// removes an object being deleted once its last finalizer is gone.
func (gc *Collector) removeFinalizer(ctx context.Context, r ref, finalizer string) error {
	return gc.update(ctx, r, func(obj *unstructured.Unstructured) bool {
		fs := obj.GetFinalizers()
		keep := slices.DeleteFunc(slices.Clone(fs), func(f string) bool { return f == finalizer })
		obj.SetFinalizers(keep)
		return len(keep) != len(fs)
	})
}

// update reads the object r names, changes it and writes it back at the
// resourceVersion read: a 409 means another writer won, and the loop
// retries with what the informer then holds.
func (gc *Collector) update(ctx context.Context, r ref, change func(*unstructured.Unstructured) bool) error {
	obj, err := gc.resource(r).Get(ctx, r.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) || err == nil && obj.GetUID() != r.uid {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", r, err)
	}
	if !change(obj) {
		return nil
	}
	if _, err := gc.resource(r).Update(ctx, obj, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("update %s: %w", r, err)
	}
	return nil
}

func (r ref) String() string {
	if r.namespace == "" {
		return fmt.Sprintf("%s %s", r.gvr.GroupResource(), r.name)
	}
	return fmt.Sprintf("%s %s/%s", r.gvr.GroupResource(), r.namespace, r.name)
}
