package tables

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func init() {
	register(discoveryv1.SchemeGroupVersion.WithResource("endpointslices").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("AddressType", typeString, "The type of addresses this slice holds: IPv4, IPv6 or FQDN."),
		column("Ports", typeString, "The ports of the endpoints in this slice."),
		column("Endpoints", typeString, "The addresses of the endpoints in this slice."),
		ageColumn,
	}, printEndpointSlice))
}

// printEndpointSlice prints a slice as kubectl does: up to three ports and
// three addresses, "+ N more..." beyond, "<unset>" for none.
func printEndpointSlice(s *discoveryv1.EndpointSlice, now time.Time) []interface{} {
	var ports, addrs []string
	for _, p := range s.Ports {
		switch {
		case p.Port != nil:
			ports = append(ports, strconv.Itoa(int(*p.Port)))
		case p.Name != nil:
			ports = append(ports, *p.Name)
		default:
			ports = append(ports, "*")
		}
	}
	for _, e := range s.Endpoints {
		addrs = append(addrs, e.Addresses...)
	}
	return []interface{}{s.Name, string(s.AddressType), listWithMore(ports), listWithMore(addrs), age(s.CreationTimestamp, now)}
}

func listWithMore(list []string) string {
	switch {
	case len(list) == 0:
		return "<unset>"
	case len(list) > maxEndpoints:
		return fmt.Sprintf("%s + %d more...", strings.Join(list[:maxEndpoints], ","), len(list)-maxEndpoints)
	}
	return strings.Join(list, ",")
}
