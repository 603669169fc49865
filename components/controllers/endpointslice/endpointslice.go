// Package endpointslice is the EndpointSlice controller, as kube's
// pkg/controller/endpointslice: for every Service with a selector it keeps
// EndpointSlices (discovery.k8s.io/v1) labelled kubernetes.io/service-name
// and endpointslice.kubernetes.io/managed-by, owned by the Service, listing
// the selected pods with their conditions (ready, serving, terminating).
// Endpoints that share a set of ports share slices, at most
// maxEndpointsPerSlice to a slice. Slices this controller does not manage
// (hand-made ones, those of Services without a selector) are left alone.
// A sync whose writes fail is recorded as a Warning Event on the Service,
// FailedToUpdateEndpointSlices, as kube's does (it records none on success).
package endpointslice

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/ownkube/ownkube/components/controllers/controller"
	"github.com/ownkube/ownkube/components/controllers/endpoints/endpointstate"
	"github.com/ownkube/ownkube/components/controllers/servicepods"
	"github.com/ownkube/ownkube/components/kit/stubreport"
)

// Name is the controller's name in --controllers.
const Name = "endpointslice"

// ManagedBy is the value of discoveryv1.LabelManagedBy on the slices this
// controller owns, as kube's.
const ManagedBy = "endpointslice-controller.k8s.io"

// Component names this controller as the source of its Events, as kube's.
const Component = "endpoint-slice-controller"

// maxEndpointsPerSlice is kube's default --max-endpoints-per-slice.
const maxEndpointsPerSlice = 100

// Controller keeps the EndpointSlices of Services with selectors.
type Controller struct {
	client   kubernetes.Interface
	services corelisters.ServiceLister
	pods     corelisters.PodLister
	slices   discoverylisters.EndpointSliceLister
	recorder record.EventRecorder
	stubs    *stubreport.Reporter // says so on a Service when core.Endpoints is a stub
	loop     *controller.Loop
	workers  int
}

// New registers the controller's informers: Services, pods, EndpointSlices.
func New(cc *controller.Context) (controller.Controller, error) {
	svcInf := cc.Informers.Core().V1().Services()
	podInf := cc.Informers.Core().V1().Pods()
	sliceInf := cc.Informers.Discovery().V1().EndpointSlices()
	c := &Controller{
		client: cc.Client, services: svcInf.Lister(), pods: podInf.Lister(), slices: sliceInf.Lister(),
		recorder: cc.Recorder(Component), workers: cc.Options.Workers,
	}
	c.stubs = stubreport.New(c.recorder, cc.Log.With("controller", Name))
	c.loop = controller.NewLoop(Name, c.sync, cc.Log,
		svcInf.Informer().HasSynced, podInf.Informer().HasSynced, sliceInf.Informer().HasSynced)
	if _, err := svcInf.Informer().AddEventHandler(c.loop.Handlers()); err != nil {
		return nil, fmt.Errorf("endpointslice: watch services: %w", err)
	}
	if _, err := podInf.Informer().AddEventHandler(servicepods.PodHandlers(c.services, c.loop.EnqueueKey)); err != nil {
		return nil, fmt.Errorf("endpointslice: watch pods: %w", err)
	}
	onSlice := func(obj any) {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		if s, ok := obj.(*discoveryv1.EndpointSlice); ok && s.Labels[discoveryv1.LabelManagedBy] == ManagedBy {
			if svc := s.Labels[discoveryv1.LabelServiceName]; svc != "" {
				c.loop.EnqueueKey(s.Namespace + "/" + svc)
			}
		}
	}
	// A managed slice changed or deleted by someone else is put back.
	if _, err := sliceInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, obj any) { onSlice(obj) },
		DeleteFunc: onSlice,
	}); err != nil {
		return nil, fmt.Errorf("endpointslice: watch endpointslices: %w", err)
	}
	return c, nil
}

// Run works until ctx ends.
func (c *Controller) Run(ctx context.Context) error { return c.loop.Run(ctx, c.workers) }

// sync makes the managed slices of the Service named key match its pods.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return controller.Permanent(err)
	}
	existing, err := c.slices.EndpointSlices(ns).List(labels.SelectorFromSet(labels.Set{
		discoveryv1.LabelServiceName: name, discoveryv1.LabelManagedBy: ManagedBy}))
	if err != nil {
		return err
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return c.deleteAll(ctx, existing) // the garbage collector would too
	}
	if err != nil {
		return err
	}
	if svc.Spec.Selector == nil {
		return c.deleteAll(ctx, existing) // no longer ours to fill
	}
	eps, err := servicepods.Endpoints(c.pods, svc, true)
	if err != nil {
		c.stubs.Report(svc, err)
		return err
	}
	if err := c.reconcile(ctx, svc, desired(svc, eps), existing); err != nil {
		c.recorder.Eventf(svc, corev1.EventTypeWarning, "FailedToUpdateEndpointSlices",
			"Error updating Endpoint Slices for Service %s/%s: %v", svc.Namespace, svc.Name, err)
		return err
	}
	return nil
}

// desired is the slices svc should have, without names: one group of
// slices per set of ports, or one empty slice when no pod backs it.
func desired(svc *corev1.Service, eps []endpointstate.Endpoint) []*discoveryv1.EndpointSlice {
	var groups [][]endpointstate.Endpoint
	index := map[string]int{}
	for _, ep := range eps {
		k := servicepods.PortKey(ep.Ports)
		i, ok := index[k]
		if !ok {
			i, index[k] = len(groups), len(groups)
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], ep)
	}
	var out []*discoveryv1.EndpointSlice
	for _, g := range groups {
		for chunk := range slices.Chunk(g, maxEndpointsPerSlice) {
			s := newSlice(svc, g[0].Ports)
			for _, ep := range chunk {
				s.Endpoints = append(s.Endpoints, endpoint(ep))
			}
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		out = append(out, newSlice(svc, nil))
	}
	return out
}

func newSlice(svc *corev1.Service, ports []endpointstate.Port) *discoveryv1.EndpointSlice {
	l := maps.Clone(svc.Labels)
	if l == nil {
		l = map[string]string{}
	}
	l[discoveryv1.LabelServiceName], l[discoveryv1.LabelManagedBy] = svc.Name, ManagedBy
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		l[corev1.IsHeadlessService] = ""
	}
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: svc.Name + "-", Namespace: svc.Namespace, Labels: l,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(svc, corev1.SchemeGroupVersion.WithKind("Service"))},
		},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{},
	}
	for _, p := range ports {
		s.Ports = append(s.Ports, discoveryv1.EndpointPort{Name: &p.Name, Port: &p.Port,
			Protocol: (*corev1.Protocol)(&p.Protocol), AppProtocol: p.AppProtocol})
	}
	return s
}

func endpoint(ep endpointstate.Endpoint) discoveryv1.Endpoint {
	e := discoveryv1.Endpoint{
		Addresses: []string{ep.IP},
		Conditions: discoveryv1.EndpointConditions{
			Ready: &ep.Ready, Serving: &ep.Serving, Terminating: &ep.Terminating},
		TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: ep.Pod.Namespace, Name: ep.Pod.Name, UID: ep.UID},
	}
	if ep.NodeName != "" {
		e.NodeName = &ep.NodeName
	}
	if ep.Hostname != "" {
		e.Hostname = &ep.Hostname
	}
	return e
}

// reconcile pairs each wanted slice with an existing one of the same ports
// (updating it when it differs), creates the rest and deletes the slices
// left over.
func (c *Controller) reconcile(ctx context.Context, svc *corev1.Service, want, existing []*discoveryv1.EndpointSlice) error {
	byPorts := map[string][]*discoveryv1.EndpointSlice{}
	slices.SortFunc(existing, func(a, b *discoveryv1.EndpointSlice) int { return cmp.Compare(a.Name, b.Name) })
	for _, s := range existing {
		k := fmt.Sprint(portsKey(s.Ports))
		byPorts[k] = append(byPorts[k], s)
	}
	api := c.client.DiscoveryV1().EndpointSlices(svc.Namespace)
	for _, w := range want {
		k := fmt.Sprint(portsKey(w.Ports))
		if olds := byPorts[k]; len(olds) > 0 {
			old := olds[0]
			byPorts[k] = olds[1:]
			if err := c.update(ctx, old, w); err != nil {
				return err
			}
			continue
		}
		if _, err := api.Create(ctx, w, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create endpointslice for service %s/%s: %w", svc.Namespace, svc.Name, err)
		}
	}
	var left []*discoveryv1.EndpointSlice
	for _, olds := range byPorts {
		left = append(left, olds...)
	}
	return c.deleteAll(ctx, left)
}

// update writes want's content into old, if it differs.
func (c *Controller) update(ctx context.Context, old, want *discoveryv1.EndpointSlice) error {
	if apiequality.Semantic.DeepEqual(old.Endpoints, want.Endpoints) && maps.Equal(old.Labels, want.Labels) &&
		apiequality.Semantic.DeepEqual(old.OwnerReferences, want.OwnerReferences) {
		return nil
	}
	s := old.DeepCopy() // never modify the cache's copy
	s.Labels, s.Endpoints, s.OwnerReferences = want.Labels, want.Endpoints, want.OwnerReferences
	if _, err := c.client.DiscoveryV1().EndpointSlices(s.Namespace).Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update endpointslice %s/%s: %w", s.Namespace, s.Name, err)
	}
	return nil
}

func (c *Controller) deleteAll(ctx context.Context, ss []*discoveryv1.EndpointSlice) error {
	for _, s := range ss {
		err := c.client.DiscoveryV1().EndpointSlices(s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: &s.UID}})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete endpointslice %s/%s: %w", s.Namespace, s.Name, err)
		}
	}
	return nil
}

// portKey is a comparable rendering of a slice's ports.
type portKey struct {
	Name, Protocol string
	Port           int32
}

func portsKey(ps []discoveryv1.EndpointPort) []portKey {
	var out []portKey
	for _, p := range ps {
		k := portKey{Name: ptrOr(p.Name), Protocol: string(ptrOr(p.Protocol))}
		if p.Port != nil {
			k.Port = *p.Port
		}
		out = append(out, k)
	}
	return out
}

func ptrOr[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
