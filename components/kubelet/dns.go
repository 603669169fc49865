package kubelet

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ClusterDNS is the kubelet's --cluster-dns and --cluster-domain: where the
// pods with dnsPolicy ClusterFirst send their queries.
type ClusterDNS struct {
	Servers []string // the cluster DNS's addresses; none: it does not run
	Domain  string   // cluster.local
}

// DNSConfig is what a pod's resolver is given: nameservers, search path and
// resolv.conf options. Empty fields leave the runtime's own (Docker's).
type DNSConfig struct {
	Servers, Searches, Options []string
}

// Limits of a resolv.conf, as the kubelet enforces them (glibc reads at
// most three nameservers).
const (
	maxDNSServers  = 3
	maxDNSSearches = 32
)

// PodDNS is the resolver configuration of pod, as Kubernetes' kubelet makes
// it (pkg/kubelet/network/dns):
//   - dnsPolicy ClusterFirst (the default) on the pod network, and
//     ClusterFirstWithHostNet: the cluster DNS as nameserver, the search path
//     <ns>.svc.<domain> svc.<domain> <domain>, and ndots:5, so that a short
//     name such as "web" is tried as a Service name first;
//   - Default, and ClusterFirst with hostNetwork: the node's resolver
//     (Docker's), nothing set;
//   - None: only what dnsConfig says.
//
// Then dnsConfig is merged in: its nameservers and searches appended (without
// duplicates), its options overriding those of the same name. Without a
// cluster DNS, ClusterFirst keeps the search path (Docker's resolver answers
// the names it knows) and sets no nameserver.
func PodDNS(pod *corev1.Pod, cluster ClusterDNS) DNSConfig {
	var cfg DNSConfig
	switch policy := pod.Spec.DNSPolicy; {
	case policy == corev1.DNSNone, policy == corev1.DNSDefault:
	case policy == corev1.DNSClusterFirst && pod.Spec.HostNetwork:
	default: // ClusterFirst, ClusterFirstWithHostNet, or unset
		if d := strings.Trim(cluster.Domain, "."); d != "" {
			cfg.Searches = []string{pod.Namespace + ".svc." + d, "svc." + d, d}
		}
		if len(cluster.Servers) > 0 {
			cfg.Servers = slices.Clone(cluster.Servers)
			cfg.Options = []string{"ndots:5"}
		}
	}
	if dc := pod.Spec.DNSConfig; dc != nil {
		cfg.Servers = appendNew(cfg.Servers, dc.Nameservers...)
		cfg.Searches = appendNew(cfg.Searches, dc.Searches...)
		cfg.Options = mergeOptions(cfg.Options, dc.Options)
	}
	cfg.Servers = cfg.Servers[:min(len(cfg.Servers), maxDNSServers)]
	cfg.Searches = cfg.Searches[:min(len(cfg.Searches), maxDNSSearches)]
	return cfg
}

// appendNew appends to list those of more it does not hold yet.
func appendNew(list []string, more ...string) []string {
	for _, s := range more {
		if s != "" && !slices.Contains(list, s) {
			list = append(list, s)
		}
	}
	return list
}

// mergeOptions lays a pod's dnsConfig options over base: an option of the
// same name is replaced, in place; new ones are appended.
func mergeOptions(base []string, opts []corev1.PodDNSConfigOption) []string {
	out := slices.Clone(base)
	for _, o := range opts {
		s := o.Name
		if o.Value != nil {
			s += ":" + *o.Value
		}
		i := slices.IndexFunc(out, func(b string) bool { n, _, _ := strings.Cut(b, ":"); return n == o.Name })
		if i >= 0 {
			out[i] = s
		} else {
			out = append(out, s)
		}
	}
	return out
}
