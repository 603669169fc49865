// Package endpoints is the Endpoints controller, as kube's
// pkg/controller/endpoint: for every Service with a selector it keeps an
// Endpoints object of the same name listing the selected pods' addresses —
// ready pods in addresses, the others in notReadyAddresses — on the
// Service's ports resolved per pod. Services without a selector are left
// alone: their Endpoints are written by hand. Which pods and ports is the
// learner's core (components/controllers/endpoints/core). A failed create
// or update is recorded as a Warning Event on the Endpoints,
// FailedToCreateEndpoint or FailedToUpdateEndpoint, as kube's does (it
// records none on success).
package endpoints

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/ownkube/ownkube/components/controllers/controller"
	"github.com/ownkube/ownkube/components/controllers/endpoints/endpointstate"
	"github.com/ownkube/ownkube/components/controllers/servicepods"
	"github.com/ownkube/ownkube/components/kit/stubreport"
)

// Name is the controller's name in --controllers.
const Name = "endpoints"

// Component names this controller as the source of its Events, as kube's.
const Component = "endpoint-controller"

// labelHeadless marks the Endpoints of a headless Service, as kube does.
const labelHeadless = "service.kubernetes.io/headless"

// Controller keeps the Endpoints of Services with selectors.
type Controller struct {
	client    kubernetes.Interface
	services  corelisters.ServiceLister
	pods      corelisters.PodLister
	endpoints corelisters.EndpointsLister
	recorder  record.EventRecorder
	stubs     *stubreport.Reporter // says so on a Service when core.Endpoints is a stub
	loop      *controller.Loop
	workers   int
}

// New registers the controller's informers: Services, pods and Endpoints.
func New(cc *controller.Context) (controller.Controller, error) {
	svcInf := cc.Informers.Core().V1().Services()
	podInf := cc.Informers.Core().V1().Pods()
	epInf := cc.Informers.Core().V1().Endpoints()
	c := &Controller{
		client: cc.Client, services: svcInf.Lister(), pods: podInf.Lister(), endpoints: epInf.Lister(),
		recorder: cc.Recorder(Component), workers: cc.Options.Workers,
	}
	c.stubs = stubreport.New(c.recorder, cc.Log.With("controller", Name))
	c.loop = controller.NewLoop(Name, c.sync, cc.Log,
		svcInf.Informer().HasSynced, podInf.Informer().HasSynced, epInf.Informer().HasSynced)
	if _, err := svcInf.Informer().AddEventHandler(c.loop.Handlers()); err != nil {
		return nil, fmt.Errorf("endpoints: watch services: %w", err)
	}
	if _, err := podInf.Informer().AddEventHandler(servicepods.PodHandlers(c.services, c.loop.EnqueueKey)); err != nil {
		return nil, fmt.Errorf("endpoints: watch pods: %w", err)
	}
	// The Endpoints of a Service with a selector, changed or deleted by
	// someone else, are put back. Others (hand-made, or of no Service) are
	// not this controller's to touch on their own events.
	ours := func(obj any) {
		if c.ownedBySelector(obj) {
			c.loop.Enqueue(obj)
		}
	}
	if _, err := epInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, obj any) { ours(obj) },
		DeleteFunc: ours,
	}); err != nil {
		return nil, fmt.Errorf("endpoints: watch endpoints: %w", err)
	}
	return c, nil
}

// ownedBySelector reports whether obj, an Endpoints (or its tombstone),
// has a Service with a selector, whose Endpoints this controller writes.
func (c *Controller) ownedBySelector(obj any) bool {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	ep, ok := obj.(*corev1.Endpoints)
	if !ok {
		return false
	}
	svc, err := c.services.Services(ep.Namespace).Get(ep.Name)
	return err == nil && svc.Spec.Selector != nil
}

// Run works until ctx ends.
func (c *Controller) Run(ctx context.Context) error { return c.loop.Run(ctx, c.workers) }

// sync makes the Endpoints named key match its Service's pods.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return controller.Permanent(err)
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return c.deleteEndpoints(ctx, ns, name)
	}
	if err != nil {
		return err
	}
	if svc.Spec.Selector == nil {
		return nil // hand-made endpoints: not ours
	}
	eps, err := servicepods.Endpoints(c.pods, svc, svc.Spec.PublishNotReadyAddresses)
	if err != nil {
		c.stubs.Report(svc, err)
		return err
	}
	return c.write(ctx, svc, subsets(eps))
}

// deleteEndpoints removes the Endpoints of a deleted Service.
func (c *Controller) deleteEndpoints(ctx context.Context, ns, name string) error {
	if _, err := c.endpoints.Endpoints(ns).Get(name); apierrors.IsNotFound(err) {
		return nil
	}
	err := c.client.CoreV1().Endpoints(ns).Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete endpoints %s/%s: %w", ns, name, err)
	}
	return nil
}

// write creates or updates the Endpoints of svc, only if they differ.
func (c *Controller) write(ctx context.Context, svc *corev1.Service, subsets []corev1.EndpointSubset) error {
	labels := maps.Clone(svc.Labels)
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		if labels == nil {
			labels = map[string]string{}
		}
		labels[labelHeadless] = ""
	}
	old, err := c.endpoints.Endpoints(svc.Namespace).Get(svc.Name)
	if apierrors.IsNotFound(err) {
		ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace, Labels: labels}, Subsets: subsets}
		_, err := c.client.CoreV1().Endpoints(svc.Namespace).Create(ctx, ep, metav1.CreateOptions{})
		if apierrors.IsForbidden(err) && apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			return nil // the namespace is going, and the Service with it
		}
		if err != nil {
			c.recorder.Eventf(ep, corev1.EventTypeWarning, "FailedToCreateEndpoint",
				"Failed to create endpoint for service %v/%v: %v", svc.Namespace, svc.Name, err)
		}
		if apierrors.IsAlreadyExists(err) {
			return err // the cache lags; retry once it has the object
		}
		if err != nil {
			return fmt.Errorf("create endpoints %s/%s: %w", svc.Namespace, svc.Name, err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if apiequality.Semantic.DeepEqual(old.Subsets, subsets) && maps.Equal(old.Labels, labels) {
		return nil
	}
	ep := old.DeepCopy() // never modify the cache's copy
	ep.Labels, ep.Subsets = labels, subsets
	if _, err := c.client.CoreV1().Endpoints(svc.Namespace).Update(ctx, ep, metav1.UpdateOptions{}); err != nil {
		c.recorder.Eventf(ep, corev1.EventTypeWarning, "FailedToUpdateEndpoint",
			"Failed to update endpoint %v/%v: %v", svc.Namespace, svc.Name, err)
		return fmt.Errorf("update endpoints %s/%s: %w", svc.Namespace, svc.Name, err)
	}
	return nil
}

// subsets groups endpoints by their ports, as kube's RepackSubsets does:
// one subset per set of ports, addresses sorted by IP.
func subsets(eps []endpointstate.Endpoint) []corev1.EndpointSubset {
	var out []corev1.EndpointSubset
	index := map[string]int{}
	for _, ep := range eps {
		key := servicepods.PortKey(ep.Ports)
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, corev1.EndpointSubset{Ports: ports(ep.Ports)})
		}
		addr := address(ep)
		if ep.Ready {
			out[i].Addresses = append(out[i].Addresses, addr)
		} else {
			out[i].NotReadyAddresses = append(out[i].NotReadyAddresses, addr)
		}
	}
	for i := range out {
		slices.SortFunc(out[i].Addresses, byIP)
		slices.SortFunc(out[i].NotReadyAddresses, byIP)
	}
	if out == nil {
		return []corev1.EndpointSubset{}
	}
	return out
}

func byIP(a, b corev1.EndpointAddress) int { return strings.Compare(a.IP, b.IP) }

func address(ep endpointstate.Endpoint) corev1.EndpointAddress {
	a := corev1.EndpointAddress{IP: ep.IP, Hostname: ep.Hostname,
		TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: ep.Pod.Namespace, Name: ep.Pod.Name, UID: ep.UID}}
	if ep.NodeName != "" {
		node := ep.NodeName
		a.NodeName = &node
	}
	return a
}

func ports(ps []endpointstate.Port) []corev1.EndpointPort {
	var out []corev1.EndpointPort
	for _, p := range ps {
		out = append(out, corev1.EndpointPort{Name: p.Name, Port: p.Port, Protocol: corev1.Protocol(p.Protocol), AppProtocol: p.AppProtocol})
	}
	return out
}
