package tables

import (
	"testing"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/utils/ptr"
)

func TestPrintEndpointSlice(t *testing.T) {
	slice := func(ports []discoveryv1.EndpointPort, ips ...string) *discoveryv1.EndpointSlice {
		s := &discoveryv1.EndpointSlice{ObjectMeta: objectMeta("web-abc", time.Hour), AddressType: discoveryv1.AddressTypeIPv4, Ports: ports}
		for _, ip := range ips {
			s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{ip}})
		}
		return s
	}
	http := discoveryv1.EndpointPort{Port: ptr.To[int32](8080)}
	named := discoveryv1.EndpointPort{Name: ptr.To("dns")}
	tests := []struct {
		name         string
		slice        *discoveryv1.EndpointSlice
		ports, addrs string
	}{
		{"empty", slice(nil), "<unset>", "<unset>"},
		{"two endpoints", slice([]discoveryv1.EndpointPort{http}, "10.0.0.1", "10.0.0.2"), "8080", "10.0.0.1,10.0.0.2"},
		{"a port without a number, more than three", slice([]discoveryv1.EndpointPort{http, named, {}},
			"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"), "8080,dns,*", "10.0.0.1,10.0.0.2,10.0.0.3 + 1 more..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, printers[gr("discovery.k8s.io", "endpointslices")].columns, printEndpointSlice(tt.slice, now),
				cells("web-abc", "IPv4", tt.ports, tt.addrs, "60m"))
		})
	}
}
