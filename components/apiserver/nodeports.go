package apiserver

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ownkube/ownkube/components/api"
)

// DefaultNodePortRange is kube-apiserver's --service-node-port-range.
const DefaultNodePortRange = "30000-32767"

// nodePortKeyPrefix holds one key per allocated node port, as
// /registry/ranges/serviceips holds one per cluster IP.
const nodePortKeyPrefix = "/registry/ranges/servicenodeports/"

// portRange is an inclusive range of node ports.
type portRange struct{ base, last int32 }

// parsePortRange reads "30000-32767" (or a single port).
func parsePortRange(s string) (portRange, error) {
	lo, hi, found := strings.Cut(strings.TrimSpace(s), "-")
	if !found {
		hi = lo
	}
	base, err1 := strconv.ParseInt(lo, 10, 32)
	last, err2 := strconv.ParseInt(hi, 10, 32)
	if err1 != nil || err2 != nil || base < 1 || last > 65535 || base > last {
		return portRange{}, fmt.Errorf("apiserver: service node port range %q: want a range such as %s", s, DefaultNodePortRange)
	}
	return portRange{int32(base), int32(last)}, nil
}

func (r portRange) contains(p int32) bool { return p >= r.base && p <= r.last }
func (r portRange) size() int32           { return r.last - r.base + 1 }
func (r portRange) String() string        { return fmt.Sprintf("%d-%d", r.base, r.last) }

// needsNodePorts reports whether a Service of type t is served on every
// node's ports.
func needsNodePorts(t corev1.ServiceType) bool {
	return t == corev1.ServiceTypeNodePort || t == corev1.ServiceTypeLoadBalancer
}

// allocateService reserves what a new Service holds: its cluster IP, then
// its node ports; if the node ports fail, the IP is released again.
func (s *Server) allocateService(ctx context.Context, r api.Resource, obj runtime.Object) error {
	if err := s.allocate(ctx, r, obj); err != nil {
		return err
	}
	svc, ok := obj.(*corev1.Service)
	if !ok {
		return nil
	}
	if err := s.allocateNodePorts(ctx, svc); err != nil {
		s.releaseIP(ctx, obj)
		return err
	}
	return nil
}

// allocateNodePorts gives every port of a NodePort or LoadBalancer Service
// created now its node port: the one it asks for (refused if out of range
// or taken) or a free one. Nothing stays reserved when it fails.
func (s *Server) allocateNodePorts(ctx context.Context, svc *corev1.Service) error {
	if !needsNodePorts(svc.Spec.Type) {
		return nil
	}
	_, err := s.reserveNodePorts(ctx, svc, nil)
	return err
}

// reserveNodePorts reserves the node ports of svc that old (nil on create)
// does not already hold, picking one for every port that has none. It
// returns what it reserved; on error it has released them again.
func (s *Server) reserveNodePorts(ctx context.Context, svc *corev1.Service, held map[int32]bool) ([]int32, error) {
	var taken []int32
	fail := func(err error) ([]int32, error) {
		s.freeNodePorts(ctx, taken)
		return nil, err
	}
	seen := map[int32]bool{}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		path := field.NewPath("spec", "ports").Index(i).Child("nodePort")
		switch {
		case p.NodePort == 0:
			continue // picked below, once every requested port is known
		case seen[p.NodePort]:
			return fail(apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Service").GroupKind(), svc.Name,
				field.ErrorList{field.Duplicate(path, p.NodePort)}))
		case held[p.NodePort]:
			seen[p.NodePort] = true
			continue
		case !s.nodePorts.contains(p.NodePort):
			return fail(invalidService(svc, path, p.NodePort,
				fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %s", s.nodePorts)))
		}
		ok, err := s.reserveNodePort(ctx, p.NodePort)
		if err != nil {
			return fail(err)
		}
		if !ok {
			return fail(invalidService(svc, path, p.NodePort, "provided port is already allocated"))
		}
		taken, seen[p.NodePort] = append(taken, p.NodePort), true
	}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if p.NodePort != 0 {
			continue
		}
		port, err := s.pickNodePort(ctx)
		if err != nil {
			return fail(err)
		}
		p.NodePort, taken = port, append(taken, port)
	}
	return taken, nil
}

// pickNodePort reserves a free port of the range: random tries first, then
// a walk over the whole range from a random start, so a nearly full range
// still finds its last free port.
func (s *Server) pickNodePort(ctx context.Context) (int32, error) {
	size := s.nodePorts.size()
	start := rand.Int32N(size)
	for i := range size {
		port := s.nodePorts.base + (start+i)%size
		ok, err := s.reserveNodePort(ctx, port)
		if err != nil || ok {
			return port, err
		}
	}
	return 0, apierrors.NewInternalError(fmt.Errorf("range is full: no free node port in %s", s.nodePorts))
}

// reserveNodePort takes port if no one holds it, in one etcd transaction,
// so two concurrent creates never get the same port.
func (s *Server) reserveNodePort(ctx context.Context, port int32) (bool, error) {
	key := nodePortKeyPrefix + strconv.Itoa(int(port))
	resp, err := s.store.Client().Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, "")).
		Commit()
	if err != nil {
		return false, apierrors.NewInternalError(fmt.Errorf("reserve node port %d: %w", port, err))
	}
	return resp.Succeeded, nil
}

// freeNodePorts releases ports; a failure only leaks a port, so it is
// logged, not returned.
func (s *Server) freeNodePorts(ctx context.Context, ports []int32) {
	for _, port := range ports {
		if _, err := s.store.Client().Delete(ctx, nodePortKeyPrefix+strconv.Itoa(int(port))); err != nil {
			s.log.Warn("release node port", "port", port, "err", err)
		}
	}
}

// nodePortsOf is the set of node ports obj, a Service, holds.
func nodePortsOf(obj runtime.Object) map[int32]bool {
	svc, ok := obj.(*corev1.Service)
	if !ok {
		return nil
	}
	ports := map[int32]bool{}
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			ports[p.NodePort] = true
		}
	}
	return ports
}

// release frees what a Service held: its cluster IP and its node ports.
func (s *Server) release(ctx context.Context, obj runtime.Object) {
	s.releaseIP(ctx, obj)
	var ports []int32
	for p := range nodePortsOf(obj) {
		ports = append(ports, p)
	}
	s.freeNodePorts(ctx, ports)
}

// updateNodePorts reserves the node ports an update of a Service adds and
// returns two actions: commit (once stored) frees the ports it dropped,
// abort (if the write failed) frees the ports it added.
func (s *Server) updateNodePorts(ctx context.Context, next, cur runtime.Object) (commit, abort func(), err error) {
	noop := func() {}
	svc, ok := next.(*corev1.Service)
	if !ok {
		return noop, noop, nil
	}
	old := nodePortsOf(cur)
	var added []int32
	if needsNodePorts(svc.Spec.Type) {
		if added, err = s.reserveNodePorts(ctx, svc, old); err != nil {
			return nil, nil, err
		}
	}
	kept := nodePortsOf(svc)
	var dropped []int32
	for p := range old {
		if !kept[p] {
			dropped = append(dropped, p)
		}
	}
	return func() { s.freeNodePorts(ctx, dropped) }, func() { s.freeNodePorts(ctx, added) }, nil
}

func invalidService(svc *corev1.Service, path *field.Path, value any, msg string) error {
	return apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Service").GroupKind(), svc.Name,
		field.ErrorList{field.Invalid(path, value, msg)})
}
