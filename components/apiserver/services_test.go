package apiserver

import (
	"net/netip"
	"testing"

	"github.com/ownkube/ownkube/components/api/serviceip"
)

func TestRandomAddrAvoidsTheClustersAddressesAndBroadcast(t *testing.T) {
	prefix := netip.MustParsePrefix("10.1.2.0/26") // 64 addresses: 17 kept, 1 broadcast
	seen := map[netip.Addr]bool{}
	for range 5000 {
		ip := randomAddr(prefix)
		if !prefix.Contains(ip) || serviceip.IsReserved(prefix, ip) || ip == netip.MustParseAddr("10.1.2.63") {
			t.Fatalf("randomAddr(%s) = %s: reserved, broadcast or outside", prefix, ip)
		}
		seen[ip] = true
	}
	if len(seen) != 64-17-1 {
		t.Errorf("5000 draws gave %d distinct addresses, want all %d allowed", len(seen), 64-17-1)
	}
}
