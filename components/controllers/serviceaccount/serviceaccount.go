// Package serviceaccount gives every active namespace its "default"
// ServiceAccount, as Kubernetes' serviceaccounts controller does
// (pkg/controller/serviceaccount): manifests and tools take it for
// granted (a pod's spec.serviceAccountName defaults to it, and `kubectl
// create token default` asks for it), so it is made when a namespace is
// and made again if it is deleted.
package serviceaccount

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/ownkube/ownkube/components/controllers/controller"
)

// Name is the controller's name in --controllers.
const Name = "serviceaccount"

// Default is the ServiceAccount every namespace has.
const Default = "default"

// namespaceResync is how often every namespace is looked at again. A look
// reads the informers' caches only, unless the ServiceAccount is missing.
const namespaceResync = 10 * time.Second

// Controller is the serviceaccounts controller.
type Controller struct {
	client          kubernetes.Interface
	namespaces      corelisters.NamespaceLister
	serviceAccounts corelisters.ServiceAccountLister
	loop            *controller.Loop
	workers         int
	log             *slog.Logger
}

// New builds the controller on the shared namespace and ServiceAccount
// informers. Its keys are namespace names.
func New(cc *controller.Context) (controller.Controller, error) {
	nsInf := cc.Informers.Core().V1().Namespaces()
	saInf := cc.Informers.Core().V1().ServiceAccounts()
	c := &Controller{
		client:          cc.Client,
		namespaces:      nsInf.Lister(),
		serviceAccounts: saInf.Lister(),
		workers:         cc.Options.Workers,
		log:             cc.Log.With("controller", Name),
	}
	c.loop = controller.NewLoop(Name, c.sync, cc.Log, nsInf.Informer().HasSynced, saInf.Informer().HasSynced)
	if _, err := nsInf.Informer().AddEventHandler(c.loop.Handlers()); err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	// A deleted default ServiceAccount brings its namespace back to the queue.
	if _, err := saInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{DeleteFunc: func(obj any) {
		if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		if sa, ok := obj.(*corev1.ServiceAccount); ok && sa.Name == Default {
			c.loop.EnqueueKey(sa.Namespace)
		}
	}}); err != nil {
		return nil, fmt.Errorf("%s: %w", Name, err)
	}
	return c, nil
}

// Run works until ctx ends, and looks at every namespace again each
// namespaceResync.
func (c *Controller) Run(ctx context.Context) error {
	go c.resync(ctx)
	return c.loop.Run(ctx, c.workers)
}

// resync queues every namespace each namespaceResync: level-triggered as
// well as event-driven, as kube's controller is (its namespace resync). An
// informer that re-lists after a broken watch never saw a ServiceAccount
// made and deleted meanwhile, so no event says it is missing.
func (c *Controller) resync(ctx context.Context) {
	ticker := time.NewTicker(namespaceResync)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		namespaces, err := c.namespaces.List(labels.Everything())
		if err != nil {
			c.log.Warn("resync: list namespaces", "err", err)
			continue
		}
		for _, ns := range namespaces {
			c.loop.EnqueueKey(ns.Name)
		}
	}
}

// sync makes the default ServiceAccount of namespace key if the namespace
// is active and has none.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, err := c.namespaces.Get(key)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating {
		return nil // a namespace on its way out gets nothing new
	}
	if _, err := c.serviceAccounts.ServiceAccounts(key).Get(Default); err == nil || !apierrors.IsNotFound(err) {
		return err
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: Default, Namespace: key}}
	_, err = c.client.CoreV1().ServiceAccounts(key).Create(ctx, sa, metav1.CreateOptions{})
	switch {
	case apierrors.IsAlreadyExists(err):
		return nil // the informer had not seen it yet
	case apierrors.IsForbidden(err) || apierrors.IsNotFound(err):
		return nil // the namespace began terminating, or went, meanwhile
	case err != nil:
		return fmt.Errorf("create the default ServiceAccount of namespace %s: %w", key, err)
	}
	c.log.Info("created the default ServiceAccount", "namespace", key)
	return nil
}
