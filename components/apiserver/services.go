package apiserver

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ownkube/ownkube/components/api"
	"github.com/ownkube/ownkube/components/api/serviceip"
)

// ipAllocationAttempts bounds the random probes for a free cluster IP.
const ipAllocationAttempts = 64

// allocate gives a new object what the server hands out: a Service its
// cluster IP, reserved under /registry/ranges/serviceips/<ip> so that two
// Services never share one.
func (s *Server) allocate(ctx context.Context, r api.Resource, obj runtime.Object) error {
	svc, ok := obj.(*corev1.Service)
	if !ok || svc.Spec.Type == corev1.ServiceTypeExternalName || svc.Spec.ClusterIP == corev1.ClusterIPNone {
		return nil
	}
	prefix, err := netip.ParsePrefix(s.cfg.ServiceCIDR)
	if err != nil {
		return apierrors.NewInternalError(fmt.Errorf("service cluster IP range %q: %w", s.cfg.ServiceCIDR, err))
	}
	if svc.Spec.ClusterIP != "" {
		return s.reserveRequested(ctx, prefix, svc)
	}
	if prefix.Addr().Is6() || prefix.Bits() > 32-6 {
		return apierrors.NewInternalError(fmt.Errorf("service cluster IP range %s is too small: the cluster keeps its first %d addresses", prefix, serviceip.Reserved))
	}
	for range ipAllocationAttempts {
		ip := randomAddr(prefix)
		if ok, err := s.reserveIP(ctx, ip); err != nil || ok {
			svc.Spec.ClusterIP, svc.Spec.ClusterIPs = ip.String(), []string{ip.String()}
			return err
		}
	}
	return apierrors.NewInternalError(fmt.Errorf("no free cluster IP found in %s after %d tries", prefix, ipAllocationAttempts))
}

func (s *Server) reserveRequested(ctx context.Context, prefix netip.Prefix, svc *corev1.Service) error {
	path := field.NewPath("spec", "clusterIP")
	ip, err := netip.ParseAddr(svc.Spec.ClusterIP)
	if err != nil || !prefix.Contains(ip) {
		return apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Service").GroupKind(), svc.Name, field.ErrorList{
			field.Invalid(path, svc.Spec.ClusterIP, fmt.Sprintf("must be an IP address in the service range %s", prefix))})
	}
	if serviceip.IsReserved(prefix, ip) && !(isKubernetesService(svc) && ip == serviceip.APIServer(prefix)) {
		return apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Service").GroupKind(), svc.Name, field.ErrorList{
			field.Invalid(path, svc.Spec.ClusterIP, fmt.Sprintf("is reserved for the cluster: the network address of %s and the %d after it (the cluster DNS holds %s) are never given to a Service; choose another or leave it empty",
				prefix, serviceip.Reserved, serviceip.DNS(prefix)))})
	}
	ok, err := s.reserveIP(ctx, ip)
	if err == nil && !ok {
		return apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Service").GroupKind(), svc.Name, field.ErrorList{
			field.Invalid(path, svc.Spec.ClusterIP, "provided IP is already allocated")})
	}
	svc.Spec.ClusterIPs = []string{ip.String()}
	return err
}

// reserveIP takes ip if no one holds it.
func (s *Server) reserveIP(ctx context.Context, ip netip.Addr) (bool, error) {
	key := "/registry/ranges/serviceips/" + ip.String()
	resp, err := s.store.Client().Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, "")).
		Commit()
	if err != nil {
		return false, apierrors.NewInternalError(fmt.Errorf("reserve cluster IP %s: %w", ip, err))
	}
	return resp.Succeeded, nil
}

// releaseIP frees a deleted Service's cluster IP.
func (s *Server) releaseIP(ctx context.Context, obj runtime.Object) {
	svc, ok := obj.(*corev1.Service)
	if !ok || svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == corev1.ClusterIPNone {
		return
	}
	if _, err := s.store.Client().Delete(ctx, "/registry/ranges/serviceips/"+svc.Spec.ClusterIP); err != nil {
		s.log.Warn("release cluster IP", "ip", svc.Spec.ClusterIP, "err", err)
	}
}

// randomAddr picks an address of the IPv4 prefix that is neither one the
// cluster keeps (the network address and the serviceip.Reserved after it)
// nor its last (broadcast). allocate makes sure the prefix has room.
func randomAddr(prefix netip.Prefix) netip.Addr {
	base := prefix.Masked().Addr().As4()
	hostBits := 32 - prefix.Bits()
	first := uint32(serviceip.Reserved + 1)
	n := first + rand.Uint32N(uint32(1)<<hostBits-1-first)
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3]) + n
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
