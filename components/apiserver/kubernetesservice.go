package apiserver

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/api"
	"github.com/ownkube/ownkube/components/api/serviceip"
)

// The `kubernetes` Service in `default` is how pods find the API, as in
// every Kubernetes cluster: the first address of the Service range, port
// 443, and Endpoints and an EndpointSlice that the API server itself keeps
// pointing at its own address (kube-apiserver's endpoint reconciler; the
// endpoints controllers leave a Service without a selector alone).
const (
	kubernetesService = "kubernetes"
	// kubernetesPortName is kube's name for the port: a cluster's API
	// server serves TLS (its certificate names the Service's ClusterIP).
	kubernetesPortName = "https"
	kubernetesPort     = 443
	// endpointsResync is how often the API server puts its endpoints
	// right, should someone have changed or deleted them.
	endpointsResync = 10 * time.Second
)

// isKubernetesService tells whether svc is the API's own Service, the one
// Service given the first address of the range.
func isKubernetesService(svc *corev1.Service) bool {
	return svc.Namespace == metav1.NamespaceDefault && svc.Name == kubernetesService
}

// advertised is the address and port other members of the cluster reach
// the API server at: Config.AdvertiseAddress, else the address of the
// host's default route, as kube-apiserver chooses; the port is the one it
// listens on.
func (s *Server) advertised() (netip.AddrPort, error) {
	port := 6443
	if _, p, err := net.SplitHostPort(s.cfg.Address); err == nil {
		if n, err := strconv.Atoi(p); err == nil && n > 0 {
			port = n
		}
	}
	host := s.cfg.AdvertiseAddress
	if host == "" {
		ip, err := utilnet.ChooseHostInterface()
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("choose the address to advertise (set --advertise-address): %w", err)
		}
		host = ip.String()
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("advertise address %q: %w", host, err)
	}
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), nil
}

// ensureKubernetesService creates the `kubernetes` Service if it is not
// there, and points its endpoints at this server.
func (s *Server) ensureKubernetesService(ctx context.Context) error {
	if s.cfg.ServiceCIDR == "" {
		return nil
	}
	prefix, err := netip.ParsePrefix(s.cfg.ServiceCIDR)
	if err != nil {
		return fmt.Errorf("service cluster IP range %q: %w", s.cfg.ServiceCIDR, err)
	}
	ip := serviceip.APIServer(prefix).String()
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: kubernetesService, Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{"component": "apiserver", "provider": "kubernetes"}},
		Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeClusterIP, ClusterIP: ip, ClusterIPs: []string{ip},
			Ports: []corev1.ServicePort{{Name: kubernetesPortName, Protocol: corev1.ProtocolTCP, Port: kubernetesPort,
				TargetPort: intstr.FromInt32(0)}},
			SessionAffinity: corev1.ServiceAffinityNone,
		},
	}
	at, err := s.advertised()
	if err != nil {
		return err
	}
	svc.Spec.Ports[0].TargetPort = intstr.FromInt32(int32(at.Port()))
	services := resourceOf("", "v1", "services")
	// Asked first: a create would fail on the address the Service holds
	// before it could fail on the name.
	if _, err := s.store.Get(ctx, services, metav1.NamespaceDefault, kubernetesService); apierrors.IsNotFound(err) {
		if _, err := s.create(ctx, services, metav1.NamespaceDefault, svc, false); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create the kubernetes Service: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("read the kubernetes Service: %w", err)
	}
	return s.reconcileEndpoints(ctx, at)
}

// endpointsLoop keeps the `kubernetes` Service's endpoints on this server
// until ctx ends.
func (s *Server) endpointsLoop(ctx context.Context) {
	if s.cfg.ServiceCIDR == "" {
		return
	}
	at, err := s.advertised()
	if err != nil {
		s.log.Warn("kubernetes Service endpoints", "err", err)
		return
	}
	ticker := time.NewTicker(endpointsResync)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		if err := s.reconcileEndpoints(ctx, at); err != nil && ctx.Err() == nil {
			s.log.Warn("kubernetes Service endpoints", "err", err)
		}
	}
}

// reconcileEndpoints writes the Endpoints and the EndpointSlice of the
// `kubernetes` Service as they should be, if they are not.
func (s *Server) reconcileEndpoints(ctx context.Context, at netip.AddrPort) error {
	port := int32(at.Port())
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: kubernetesService, Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{discoveryv1.LabelSkipMirror: "true"}},
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: at.Addr().String()}},
			Ports:     []corev1.EndpointPort{{Name: kubernetesPortName, Port: port, Protocol: corev1.ProtocolTCP}},
		}},
	}
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: kubernetesService, Namespace: metav1.NamespaceDefault,
			Labels: map[string]string{discoveryv1.LabelServiceName: kubernetesService}},
		AddressType: addressType(at.Addr()),
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{at.Addr().String()},
			Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)}}},
		Ports: []discoveryv1.EndpointPort{{Name: ptr.To(kubernetesPortName), Port: ptr.To(port), Protocol: ptr.To(corev1.ProtocolTCP)}},
	}
	if err := s.putSystemObject(ctx, resourceOf("", "v1", "endpoints"), ep, func(cur runtime.Object) bool {
		return reflect.DeepEqual(cur.(*corev1.Endpoints).Subsets, ep.Subsets)
	}); err != nil {
		return err
	}
	return s.putSystemObject(ctx, resourceOf("discovery.k8s.io", "v1", "endpointslices"), slice, func(cur runtime.Object) bool {
		c := cur.(*discoveryv1.EndpointSlice)
		return c.AddressType == slice.AddressType && reflect.DeepEqual(c.Endpoints, slice.Endpoints) && reflect.DeepEqual(c.Ports, slice.Ports)
	})
}

// putSystemObject creates want, or replaces the stored object's content
// with want's unless same says it already matches.
func (s *Server) putSystemObject(ctx context.Context, r api.Resource, want runtime.Object, same func(cur runtime.Object) bool) error {
	m := mustMeta(want)
	cur, err := s.store.Get(ctx, r, m.GetNamespace(), m.GetName())
	if apierrors.IsNotFound(err) {
		_, err = s.create(ctx, r, m.GetNamespace(), want.DeepCopyObject(), false)
		return err
	}
	if err != nil || same(cur) {
		return err
	}
	next := want.DeepCopyObject()
	nm, cm := mustMeta(next), mustMeta(cur)
	nm.SetUID(cm.GetUID())
	nm.SetCreationTimestamp(cm.GetCreationTimestamp())
	nm.SetResourceVersion(cm.GetResourceVersion())
	_, err = s.store.Update(ctx, r, next)
	return err
}

func addressType(ip netip.Addr) discoveryv1.AddressType {
	if ip.Is6() {
		return discoveryv1.AddressTypeIPv6
	}
	return discoveryv1.AddressTypeIPv4
}

// resourceOf is the resource the server serves as group/version/resource;
// the kinds asked for here are always served.
func resourceOf(group, version, resource string) api.Resource {
	r, _ := api.Lookup(schema.GroupVersionResource{Group: group, Version: version, Resource: resource})
	return r
}
