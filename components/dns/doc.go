// Package dns is the cluster's DNS server, in the role of CoreDNS with its
// kubernetes plugin: it watches Services and EndpointSlices through the API
// server (client-go shared informers) and answers, over UDP and TCP, for
// names under the cluster domain (cluster.local):
//
//	<svc>.<ns>.svc.cluster.local             A/AAAA: the ClusterIP; for a headless
//	                                         Service, the IPs of its ready endpoints
//	<host>.<svc>.<ns>.svc.cluster.local      A/AAAA: that endpoint (hostname, or its
//	                                         IP with dashes)
//	_<port>._<proto>.<svc>.<ns>.svc.cluster.local
//	                                         SRV of a named port, with the targets'
//	                                         addresses in the additional section
//	<svc>.<ns>.svc.cluster.local of an ExternalName Service
//	                                         CNAME to its externalName
//	a-b-c-d.<ns>.pod.cluster.local           A a.b.c.d (CoreDNS's "pods insecure")
//
// A name under the domain that names nothing is NXDOMAIN, as is a headless
// Service with no ready endpoint (CoreDNS's errNoItems); a name that exists
// without a record of the asked type is NODATA (NOERROR, no answer, the SOA
// in the authority section). Every other name is forwarded to the upstream
// resolvers, with a bounded timeout: SERVFAIL if none answers in time.
//
// Records carry a 5 s TTL, as CoreDNS's. Before its informers have synced
// the server answers SERVFAIL for cluster names and /readyz says 503.
//
// The kubelet points pods with dnsPolicy ClusterFirst at this server (its
// --cluster-dns flag); the cluster launcher runs it at a fixed address of
// the Service range, the tenth (like kube-dns's 10.96.0.10).
package dns
