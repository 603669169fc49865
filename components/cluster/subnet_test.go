package cluster

import (
	"net/netip"
	"testing"
)

func TestPickSubnet(t *testing.T) {
	for _, tc := range []struct {
		name string
		used []string
		want string
	}{
		{"nothing used", nil, "10.100.0.0/16"},
		{"docker defaults only", []string{"172.17.0.0/16", "192.168.0.0/20", "fd00::/64"}, "10.100.0.0/16"},
		{"first taken", []string{"10.100.0.0/16"}, "10.101.0.0/16"},
		{"part of first taken", []string{"10.100.200.0/24"}, "10.101.0.0/16"},
		{"a wider network covers several", []string{"10.100.0.0/15", "10.102.5.7/32"}, "10.103.0.0/16"},
		{"upper ones all taken", []string{"10.100.0.0/14", "10.104.0.0/13", "10.112.0.0/12", "10.128.0.0/9"}, "10.1.0.0/16"},
		{"unparsable entries ignored", []string{"", "bogus"}, "10.100.0.0/16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := pickSubnet(parsePrefixes(tc.used))
			if err != nil {
				t.Fatal(err)
			}
			if plan.Subnet.String() != tc.want {
				t.Errorf("subnet %s, want %s", plan.Subnet, tc.want)
			}
		})
	}
}

func TestPickSubnetNoneLeft(t *testing.T) {
	if _, err := pickSubnet([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}); err != errNoSubnet {
		t.Fatalf("err = %v, want errNoSubnet", err)
	}
}

func TestPlanFor(t *testing.T) {
	p := planFor(123)
	if got := p.String(); got != "subnet 10.123.0.0/16, ip-range 10.123.0.0/17, services 10.123.128.0/17" {
		t.Errorf("plan = %s", got)
	}
	if p.Gateway.String() != "10.123.0.1" || !p.IPRange.Contains(p.Gateway) {
		t.Errorf("gateway %s", p.Gateway)
	}
	if p.DNS.String() != "10.123.128.10" {
		t.Errorf("DNS %s, want 10.123.128.10", p.DNS)
	}
	if p.IPRange.Overlaps(p.ServiceCIDR) || !p.Subnet.Contains(p.ServiceCIDR.Addr()) {
		t.Errorf("ip-range %s and service CIDR %s must split subnet %s", p.IPRange, p.ServiceCIDR, p.Subnet)
	}
}
