package cluster

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/ownkube/ownkube/components/api/serviceip"
)

// addressPlan is how a cluster uses its network's address space: a /16 whose
// lower half Docker hands to containers, and whose upper half is left for
// Service IPs, which are assigned by the cluster, never by Docker.
type addressPlan struct {
	Subnet      netip.Prefix // 10.N.0.0/16: the Docker network's subnet
	IPRange     netip.Prefix // 10.N.0.0/17: Docker's dynamic range
	Gateway     netip.Addr   // 10.N.0.1
	ServiceCIDR netip.Prefix // 10.N.128.0/17: Service ClusterIPs
	DNS         netip.Addr   // 10.N.128.10: the cluster DNS, in the range's reserved low addresses
}

func planFor(n int) addressPlan {
	base := netip.AddrFrom4([4]byte{10, byte(n), 0, 0})
	services := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(n), 128, 0}), 17)
	return addressPlan{
		Subnet:      netip.PrefixFrom(base, 16),
		IPRange:     netip.PrefixFrom(base, 17),
		Gateway:     netip.AddrFrom4([4]byte{10, byte(n), 0, 1}),
		ServiceCIDR: services,
		DNS:         serviceip.DNS(services),
	}
}

// candidateOctets is the order in which second octets N of 10.N.0.0/16 are
// tried: from 10.100 up, then the low ones, which home and office networks
// use more often.
func candidateOctets() []int {
	var ns []int
	for n := 100; n <= 254; n++ {
		ns = append(ns, n)
	}
	for n := 1; n < 100; n++ {
		ns = append(ns, n)
	}
	return ns
}

var errNoSubnet = errors.New("cluster: every 10.N.0.0/16 overlaps a Docker network or a host address; remove unused Docker networks")

// pickSubnet returns the first candidate plan whose subnet overlaps none of
// used (other networks' subnets, the host's addresses, plans already tried).
func pickSubnet(used []netip.Prefix) (addressPlan, error) {
	for _, n := range candidateOctets() {
		plan := planFor(n)
		if !overlapsAny(plan.Subnet, used) {
			return plan, nil
		}
	}
	return addressPlan{}, errNoSubnet
}

func overlapsAny(p netip.Prefix, used []netip.Prefix) bool {
	for _, u := range used {
		if u.IsValid() && p.Overlaps(u) {
			return true
		}
	}
	return false
}

// parsePrefixes parses the subnets of existing networks, skipping what is
// not an IPv4 prefix (IPv6 subnets cannot clash with ours).
func parsePrefixes(subnets []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range subnets {
		p, err := netip.ParsePrefix(s)
		if err != nil || !p.Addr().Is4() {
			continue
		}
		out = append(out, p.Masked())
	}
	return out
}

func (a addressPlan) String() string {
	return fmt.Sprintf("subnet %s, ip-range %s, services %s", a.Subnet, a.IPRange, a.ServiceCIDR)
}
