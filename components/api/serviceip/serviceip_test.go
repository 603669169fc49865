package serviceip

import (
	"net/netip"
	"testing"
)

func TestDNSAndReserved(t *testing.T) {
	p := netip.MustParsePrefix("10.100.128.0/17")
	if got := DNS(p).String(); got != "10.100.128.10" {
		t.Errorf("DNS(%s) = %s, want 10.100.128.10", p, got)
	}
	for ip, want := range map[string]bool{
		"10.100.128.0": true, "10.100.128.1": true, "10.100.128.10": true, "10.100.128.16": true,
		"10.100.128.17": false, "10.100.200.1": false, "10.100.0.5": false, "10.101.128.3": false,
	} {
		if got := IsReserved(p, netip.MustParseAddr(ip)); got != want {
			t.Errorf("IsReserved(%s, %s) = %v, want %v", p, ip, got, want)
		}
	}
	if !IsReserved(p, DNS(p)) {
		t.Error("the DNS address must be reserved")
	}
}
