package dns

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
)

// store is what the resolver reads: the informers' caches. Objects it
// returns are shared with the cache and never modified.
type store interface {
	// service returns the Service ns/name, or nil if there is none.
	service(ns, name string) (*corev1.Service, error)
	// endpointSlices returns the EndpointSlices of Service ns/name: those
	// labelled kubernetes.io/service-name=name.
	endpointSlices(ns, name string) ([]*discoveryv1.EndpointSlice, error)
}

type listerStore struct {
	services corelisters.ServiceLister
	slices   discoverylisters.EndpointSliceLister
}

func (l listerStore) service(ns, name string) (*corev1.Service, error) {
	svc, err := l.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return svc, err
}

func (l listerStore) endpointSlices(ns, name string) ([]*discoveryv1.EndpointSlice, error) {
	return l.slices.EndpointSlices(ns).List(labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: name}))
}

// maxCNAMEChain bounds how many ExternalName CNAMEs one answer follows.
const maxCNAMEChain = 8

// resolver answers questions about names under zone from store.
type resolver struct {
	zone  string // "cluster.local."
	ttl   uint32
	store store
	fwd   *forwarder // resolves CNAME targets outside the zone
}

// result is the resolver's answer to one question.
type result struct {
	rcode         int
	answer, extra []dns.RR
}

// request is a name under the zone, split into what it asks for, as
// CoreDNS's kubernetes plugin parses it.
type request struct {
	kind            string // "svc", "pod", or "" for a name that holds no record but exists (NODATA)
	namespace, name string // the Service (kind svc) or the pod's dashed IP (kind pod)
	endpoint        string // <endpoint>.<svc>.<ns>.svc: one endpoint of the Service
	port, protocol  string // _<port>._<protocol>.<svc>.<ns>.svc, without the underscores
}

// parse splits qname (lower case, under r.zone). ok is false for a name
// that cannot exist (NXDOMAIN).
func (r *resolver) parse(qname string) (req request, ok bool) {
	rel := strings.TrimSuffix(strings.TrimSuffix(qname, r.zone), ".")
	if rel == "" {
		return request{}, true // the zone's apex
	}
	l := strings.Split(rel, ".")
	switch last := l[len(l)-1]; {
	case last == "svc" && len(l) <= 2:
		return request{}, true // svc.<zone>, <ns>.svc.<zone>
	case last == "svc" && len(l) == 3:
		return request{kind: "svc", name: l[0], namespace: l[1]}, true
	case last == "svc" && len(l) == 4:
		return request{kind: "svc", endpoint: l[0], name: l[1], namespace: l[2]}, true
	case last == "svc" && len(l) == 5:
		port, okPort := strings.CutPrefix(l[0], "_")
		proto, okProto := strings.CutPrefix(l[1], "_")
		if !okPort || !okProto || port == "" || proto == "" {
			return request{}, false
		}
		return request{kind: "svc", port: port, protocol: proto, name: l[2], namespace: l[3]}, true
	case last == "pod" && len(l) == 2:
		return request{}, true // <ns>.pod.<zone>
	case last == "pod" && len(l) == 3:
		return request{kind: "pod", name: l[0], namespace: l[1]}, true
	}
	return request{}, false
}

// record is one thing a name stands for: an address (with the port, for
// SRV) or a CNAME target.
type record struct {
	ip    netip.Addr
	cname string
	port  int32  // 0: none (a headless Service's slice without ports)
	host  string // the endpoint's label for SRV targets; "" for a ClusterIP
}

// resolve answers q, whose name is under the zone.
func (r *resolver) resolve(q dns.Question) result {
	return r.resolveDepth(q, 0)
}

func (r *resolver) resolveDepth(q dns.Question, depth int) result {
	qname := strings.ToLower(q.Name)
	req, ok := r.parse(qname)
	if !ok {
		return result{rcode: dns.RcodeNameError}
	}
	if req.kind == "" {
		if qname == r.zone && q.Qtype == dns.TypeSOA {
			return result{answer: []dns.RR{r.soa()}}
		}
		return result{} // exists, holds nothing: NODATA
	}
	recs, err := r.records(req)
	if err != nil {
		return result{rcode: dns.RcodeServerFailure}
	}
	if len(recs) == 0 {
		return result{rcode: dns.RcodeNameError}
	}
	return r.answer(q, req, recs, depth)
}

// records are what req names, read from the store.
func (r *resolver) records(req request) ([]record, error) {
	if req.kind == "pod" {
		ip, ok := podIP(req.name)
		if !ok {
			return nil, nil
		}
		return []record{{ip: ip}}, nil
	}
	svc, err := r.store.service(req.namespace, req.name)
	if err != nil || svc == nil {
		return nil, err
	}
	switch {
	case svc.Spec.Type == corev1.ServiceTypeExternalName:
		if req.endpoint != "" || svc.Spec.ExternalName == "" {
			return nil, nil // an ExternalName Service has no endpoints
		}
		return []record{{cname: dns.Fqdn(strings.ToLower(svc.Spec.ExternalName))}}, nil
	case svc.Spec.ClusterIP == corev1.ClusterIPNone || req.endpoint != "":
		return r.endpointRecords(req)
	}
	return clusterIPRecords(svc, req), nil
}

// clusterIPRecords are svc's ClusterIPs, once per port that req matches.
func clusterIPRecords(svc *corev1.Service, req request) []record {
	ips := svc.Spec.ClusterIPs
	if len(ips) == 0 && svc.Spec.ClusterIP != "" {
		ips = []string{svc.Spec.ClusterIP}
	}
	var recs []record
	for _, p := range svc.Spec.Ports {
		if !matchPort(req, p.Name, p.Protocol) {
			continue
		}
		for _, s := range ips {
			if ip, err := netip.ParseAddr(s); err == nil {
				recs = append(recs, record{ip: ip, port: p.Port})
			}
		}
	}
	return recs
}

// endpointRecords are the ready endpoints of the Service's EndpointSlices,
// once per port that req matches; an endpoint whose ready condition is
// unset counts as ready, as the EndpointSlice API asks of consumers.
func (r *resolver) endpointRecords(req request) ([]record, error) {
	list, err := r.store.endpointSlices(req.namespace, req.name)
	if err != nil {
		return nil, fmt.Errorf("list endpoint slices of %s/%s: %w", req.namespace, req.name, err)
	}
	var recs []record
	for _, slice := range list {
		if slice.AddressType != discoveryv1.AddressTypeIPv4 && slice.AddressType != discoveryv1.AddressTypeIPv6 {
			continue // FQDN slices name no address
		}
		ports := slicePorts(slice, req)
		for _, ep := range slice.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, a := range ep.Addresses {
				ip, err := netip.ParseAddr(a)
				if err != nil {
					continue
				}
				host := endpointHostname(ep, ip)
				if req.endpoint != "" && req.endpoint != host {
					continue
				}
				for _, port := range ports {
					rec := record{ip: ip, port: port, host: host}
					if !slices.Contains(recs, rec) {
						recs = append(recs, rec)
					}
				}
			}
		}
	}
	return recs, nil
}

// slicePorts are the port numbers of slice that req matches; a slice
// without ports stands for its addresses alone (port 0), as in CoreDNS.
func slicePorts(slice *discoveryv1.EndpointSlice, req request) []int32 {
	if len(slice.Ports) == 0 {
		if req.port != "" {
			return nil
		}
		return []int32{0}
	}
	var ports []int32
	for _, p := range slice.Ports {
		name, proto := "", corev1.ProtocolTCP
		if p.Name != nil {
			name = *p.Name
		}
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		if p.Port != nil && matchPort(req, name, proto) {
			ports = append(ports, *p.Port)
		}
	}
	return ports
}

// matchPort reports whether a port called name over proto is one req asks
// for; a request that names no port asks for every one.
func matchPort(req request, name string, proto corev1.Protocol) bool {
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	return (req.port == "" || strings.EqualFold(req.port, name)) &&
		(req.protocol == "" || strings.EqualFold(req.protocol, string(proto)))
}

// endpointHostname is the label an endpoint is known by: its hostname, or
// else its address with dashes (10-0-0-1), as CoreDNS names it.
func endpointHostname(ep discoveryv1.Endpoint, ip netip.Addr) string {
	if ep.Hostname != nil && *ep.Hostname != "" {
		return strings.ToLower(*ep.Hostname)
	}
	if ip.Is4() {
		return strings.ReplaceAll(ip.String(), ".", "-")
	}
	return strings.ReplaceAll(ip.StringExpanded(), ":", "-")
}

// podIP is the address a pod name of the form 10-1-2-3 spells.
func podIP(name string) (netip.Addr, bool) {
	s := strings.ReplaceAll(name, "-", ".")
	if strings.Count(name, "-") != 3 {
		s = strings.ReplaceAll(name, "-", ":")
	}
	ip, err := netip.ParseAddr(s)
	return ip, err == nil
}

// answer turns recs, what q's name stands for, into the records of q's type.
func (r *resolver) answer(q dns.Question, req request, recs []record, depth int) result {
	if recs[0].cname != "" {
		return r.cname(q, recs[0].cname, depth)
	}
	var res result
	switch q.Qtype {
	case dns.TypeA, dns.TypeAAAA:
		for _, rec := range recs {
			if rr := r.addr(q.Name, rec.ip, q.Qtype); rr != nil && !containsRR(res.answer, rr) {
				res.answer = append(res.answer, rr)
			}
		}
	case dns.TypeSRV:
		res = r.srv(q, req, recs)
	}
	return res
}

// srv answers an SRV question: one record per port and target, the
// targets' addresses in the additional section.
func (r *resolver) srv(q dns.Question, req request, recs []record) result {
	svcName := req.name + "." + req.namespace + ".svc." + r.zone
	var res result
	var withPort []record
	for _, rec := range recs {
		if rec.port > 0 {
			withPort = append(withPort, rec)
		}
	}
	for _, rec := range withPort {
		target := svcName
		if rec.host != "" {
			target = rec.host + "." + svcName
		}
		srv := &dns.SRV{
			Hdr:      dns.RR_Header{Name: q.Name, Rrtype: dns.TypeSRV, Class: dns.ClassINET, Ttl: r.ttl},
			Priority: 0, Weight: uint16(max(1, 100/len(withPort))), Port: uint16(rec.port), Target: target,
		}
		if !containsRR(res.answer, srv) {
			res.answer = append(res.answer, srv)
		}
		qtype := dns.TypeA
		if rec.ip.Is6() {
			qtype = dns.TypeAAAA
		}
		if rr := r.addr(target, rec.ip, qtype); rr != nil && !containsRR(res.extra, rr) {
			res.extra = append(res.extra, rr)
		}
	}
	return res
}

// cname answers with q's name as an alias of target and, for a question of
// another type, target's own records: resolved here if target is in the
// zone, asked of the upstreams if not.
func (r *resolver) cname(q dns.Question, target string, depth int) result {
	res := result{answer: []dns.RR{&dns.CNAME{
		Hdr:    dns.RR_Header{Name: q.Name, Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: r.ttl},
		Target: target,
	}}}
	if q.Qtype == dns.TypeCNAME || depth >= maxCNAMEChain {
		return res
	}
	next := dns.Question{Name: target, Qtype: q.Qtype, Qclass: q.Qclass}
	if dns.IsSubDomain(r.zone, target) {
		more := r.resolveDepth(next, depth+1)
		res.rcode, res.answer = more.rcode, append(res.answer, more.answer...)
		return res
	}
	if r.fwd != nil {
		m := new(dns.Msg)
		m.SetQuestion(target, q.Qtype)
		if up := r.fwd.forward("udp", m); up.Rcode == dns.RcodeSuccess {
			res.answer = append(res.answer, up.Answer...)
		}
	}
	return res
}

// addr is name's A (or AAAA) record for ip, nil if ip is not of qtype's family.
func (r *resolver) addr(name string, ip netip.Addr, qtype uint16) dns.RR {
	hdr := dns.RR_Header{Name: name, Rrtype: qtype, Class: dns.ClassINET, Ttl: r.ttl}
	switch {
	case qtype == dns.TypeA && ip.Is4():
		return &dns.A{Hdr: hdr, A: ip.AsSlice()}
	case qtype == dns.TypeAAAA && ip.Is6():
		return &dns.AAAA{Hdr: hdr, AAAA: ip.AsSlice()}
	}
	return nil
}

func (r *resolver) soa() dns.RR { return soaRecord(r.zone, r.ttl) }

func containsRR(rrs []dns.RR, rr dns.RR) bool {
	return slices.ContainsFunc(rrs, func(x dns.RR) bool { return dns.IsDuplicate(x, rr) })
}
