// Package serviceip says how the cluster uses its Service IP range: the
// lowest addresses are the cluster's own, never handed to a Service, and
// the cluster DNS holds the tenth (as kube-dns holds 10.96.0.10). The API
// server's ClusterIP allocator and the cluster launcher both read it.
package serviceip

import "net/netip"

// Reserved is how many addresses after the network address of the range
// the cluster keeps for itself: a Service may neither be given one nor
// ask for one.
const Reserved = 16

// dnsOffset is the cluster DNS's place in the range.
const dnsOffset = 10

// APIServer is the address of the `kubernetes` Service, the API's own: the
// first after prefix's network address, as 10.96.0.1 in kube's default.
func APIServer(prefix netip.Prefix) netip.Addr { return nth(prefix, 1) }

// DNS is the address of the cluster DNS in the Service range prefix.
func DNS(prefix netip.Prefix) netip.Addr { return nth(prefix, dnsOffset) }

// IsReserved reports whether ip is the network address of prefix or one of
// the Reserved addresses after it.
func IsReserved(prefix netip.Prefix, ip netip.Addr) bool {
	base := prefix.Masked().Addr()
	return prefix.Contains(ip) && ip.Compare(nth(prefix, Reserved)) <= 0 && ip.Compare(base) >= 0
}

// nth is the address n after prefix's network address.
func nth(prefix netip.Prefix, n int) netip.Addr {
	ip := prefix.Masked().Addr()
	for range n {
		ip = ip.Next()
	}
	return ip
}
