package tables

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// maxEndpoints is how many addresses the ENDPOINTS cell lists before "+ N more...".
const maxEndpoints = 3

func init() {
	core := corev1.SchemeGroupVersion
	register(core.WithResource("services").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Type", typeString, "How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName."),
		column("Cluster-IP", typeString, "The IP address of the service inside the cluster."),
		column("External-IP", typeString, "The addresses the service is reachable at from outside the cluster."),
		column("Port(s)", typeString, "The list of ports that are exposed by this service."),
		ageColumn,
		wide("Selector", typeString, "Pods with labels matching this selector receive the service's traffic."),
	}, printService))
	register(core.WithResource("endpoints").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Endpoints", typeString, "The addresses and ports behind the service."),
		ageColumn,
	}, printEndpoints))
}

func printService(svc *corev1.Service, now time.Time) []interface{} {
	return []interface{}{
		svc.Name, string(svc.Spec.Type), orNone(clusterIP(svc)), externalIP(svc), orNone(portString(svc.Spec.Ports)),
		age(svc.CreationTimestamp, now), labels.FormatLabels(svc.Spec.Selector),
	}
}

// clusterIP is the service's first cluster IP; spec.clusterIP stands in for
// an empty clusterIPs, as kube's conversion does.
func clusterIP(svc *corev1.Service) string {
	if len(svc.Spec.ClusterIPs) > 0 {
		return svc.Spec.ClusterIPs[0]
	}
	return svc.Spec.ClusterIP
}

// externalIP is where the service is reached from outside, by service type.
func externalIP(svc *corev1.Service) string {
	switch svc.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort:
		return orNone(strings.Join(svc.Spec.ExternalIPs, ","))
	case corev1.ServiceTypeLoadBalancer:
		ips := append(loadBalancerIPs(svc.Status.LoadBalancer), svc.Spec.ExternalIPs...)
		if len(ips) == 0 {
			return "<pending>"
		}
		return strings.Join(ips, ",")
	case corev1.ServiceTypeExternalName:
		return svc.Spec.ExternalName
	}
	return unknown
}

// loadBalancerIPs are the load balancer's ingress IPs (or host names), sorted, without repeats.
func loadBalancerIPs(s corev1.LoadBalancerStatus) []string {
	seen := map[string]bool{}
	var ips []string
	for _, in := range s.Ingress {
		ip := in.IP
		if ip == "" {
			ip = in.Hostname
		}
		if ip != "" && !seen[ip] {
			seen[ip] = true
			ips = append(ips, ip)
		}
	}
	sort.Strings(ips)
	return ips
}

// portString is "80/TCP,443/TCP", with the node port as "80:30080/TCP".
func portString(ports []corev1.ServicePort) string {
	pieces := make([]string, len(ports))
	for i, p := range ports {
		pieces[i] = fmt.Sprintf("%d/%s", p.Port, p.Protocol)
		if p.NodePort > 0 {
			pieces[i] = fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol)
		}
	}
	return strings.Join(pieces, ",")
}

func printEndpoints(ep *corev1.Endpoints, now time.Time) []interface{} {
	return []interface{}{ep.Name, formatEndpoints(ep), age(ep.CreationTimestamp, now)}
}

// formatEndpoints lists the first three ip:port pairs (bare IPs for a subset
// without ports) and how many more there are: "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...".
func formatEndpoints(ep *corev1.Endpoints) string {
	if len(ep.Subsets) == 0 {
		return none
	}
	var list []string
	count := 0
	for _, ss := range ep.Subsets {
		for _, hostPort := range subsetAddresses(ss) {
			if len(list) < maxEndpoints {
				list = append(list, hostPort)
			}
			count++
		}
	}
	s := strings.Join(list, ",")
	if count > maxEndpoints {
		s = fmt.Sprintf("%s + %d more...", s, count-maxEndpoints)
	}
	return s
}

// subsetAddresses is every address of the subset joined with every port.
func subsetAddresses(ss corev1.EndpointSubset) []string {
	var out []string
	if len(ss.Ports) == 0 {
		for _, a := range ss.Addresses {
			out = append(out, a.IP)
		}
		return out
	}
	for _, p := range ss.Ports {
		for _, a := range ss.Addresses {
			out = append(out, net.JoinHostPort(a.IP, strconv.Itoa(int(p.Port))))
		}
	}
	return out
}
