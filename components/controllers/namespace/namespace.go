// Package namespace empties a Terminating namespace and then lets it go, as
// Kubernetes' namespace controller does (pkg/controller/namespace): it
// deletes every namespaced object in it, waits for what takes time (pods
// stopping on their nodes, other finalizers), and once nothing is left
// removes the namespace's "kubernetes" finalizer through namespaces/finalize,
// upon which the API server removes the namespace.
//
// The API server's part (stage 3) is the Terminating phase and refusing new
// objects in such a namespace; this controller's part runs in the
// controller-manager (stage 6).
package namespace

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/controllers/controller"
)

// Name is the controller's name in --controllers.
const Name = "namespace"

// recheck is how soon a namespace whose contents are still going is looked
// at again.
const recheck = time.Second

// Controller is the namespace controller.
type Controller struct {
	client     kubernetes.Interface
	dynamic    dynamic.Interface
	namespaces corelisters.NamespaceLister
	resources  []controller.Resource
	loop       *controller.Loop
	workers    int
	log        *slog.Logger
}

// New builds the controller on the shared namespace informer.
func New(cc *controller.Context) (controller.Controller, error) {
	if cc.Dynamic == nil {
		return nil, fmt.Errorf("%s: a dynamic client is required", Name)
	}
	resources, err := controller.Discover(cc.Client.Discovery())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	resources = slices.DeleteFunc(resources, func(r controller.Resource) bool {
		return !r.Namespaced || !r.Can("list", "delete")
	})
	inf := cc.Informers.Core().V1().Namespaces()
	c := &Controller{
		client:     cc.Client,
		dynamic:    cc.Dynamic,
		namespaces: inf.Lister(),
		resources:  resources,
		workers:    cc.Options.Workers,
		log:        cc.Log.With("controller", Name),
	}
	c.loop = controller.NewLoop(Name, c.sync, cc.Log, inf.Informer().HasSynced)
	if _, err := inf.Informer().AddEventHandler(c.loop.Handlers()); err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	return c, nil
}

// Run works until ctx ends.
func (c *Controller) Run(ctx context.Context) error { return c.loop.Run(ctx, c.workers) }

// sync empties the namespace key if it is Terminating, and finalizes it
// once it is empty.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, err := c.namespaces.Get(key)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if ns.DeletionTimestamp == nil || !slices.Contains(ns.Spec.Finalizers, corev1.FinalizerKubernetes) {
		return nil
	}
	remaining := 0
	for _, r := range c.resources {
		n, err := c.deleteAll(ctx, r, ns.Name)
		if err != nil {
			return err
		}
		remaining += n
	}
	if remaining > 0 {
		return controller.RequeueAfter(recheck)
	}
	return c.finalize(ctx, ns)
}

// deleteAll deletes every object of r in namespace that is not already on
// its way out, and returns how many are still there.
func (c *Controller) deleteAll(ctx context.Context, r controller.Resource, namespace string) (int, error) {
	client := c.dynamic.Resource(r.GroupVersionResource).Namespace(namespace)
	list, err := client.List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, fmt.Errorf("list %s in namespace %s: %w", r.Resource, namespace, err)
	}
	background := metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)}
	for _, item := range list.Items {
		if item.GetDeletionTimestamp() != nil {
			continue
		}
		background.Preconditions = &metav1.Preconditions{UID: ptr.To(item.GetUID())}
		err := client.Delete(ctx, item.GetName(), background)
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			return 0, fmt.Errorf("delete %s %s/%s: %w", r.Resource, namespace, item.GetName(), err)
		}
	}
	return len(list.Items), nil
}

// finalize removes the "kubernetes" finalizer of an emptied namespace.
func (c *Controller) finalize(ctx context.Context, ns *corev1.Namespace) error {
	next := ns.DeepCopy() // the lister's copy is shared: never modify it
	next.Spec.Finalizers = slices.DeleteFunc(next.Spec.Finalizers, func(f corev1.FinalizerName) bool { return f == corev1.FinalizerKubernetes })
	if _, err := c.client.CoreV1().Namespaces().Finalize(ctx, next, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("finalize namespace %s: %w", ns.Name, err)
	}
	c.log.Info("namespace emptied and finalized", "namespace", ns.Name)
	return nil
}
