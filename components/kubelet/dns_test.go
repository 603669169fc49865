package kubelet

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestPodDNS(t *testing.T) {
	cluster := ClusterDNS{Servers: []string{"10.1.128.10"}, Domain: "cluster.local"}
	clusterSearch := []string{"ns1.svc.cluster.local", "svc.cluster.local", "cluster.local"}
	for _, tc := range []struct {
		name    string
		policy  corev1.DNSPolicy
		hostNet bool
		config  *corev1.PodDNSConfig
		cluster ClusterDNS
		want    DNSConfig
	}{
		{name: "unset is ClusterFirst", cluster: cluster,
			want: DNSConfig{Servers: []string{"10.1.128.10"}, Searches: clusterSearch, Options: []string{"ndots:5"}}},
		{name: "ClusterFirst", policy: corev1.DNSClusterFirst, cluster: cluster,
			want: DNSConfig{Servers: []string{"10.1.128.10"}, Searches: clusterSearch, Options: []string{"ndots:5"}}},
		{name: "ClusterFirst on the host network is Default", policy: corev1.DNSClusterFirst, hostNet: true, cluster: cluster},
		{name: "ClusterFirstWithHostNet", policy: corev1.DNSClusterFirstWithHostNet, hostNet: true, cluster: cluster,
			want: DNSConfig{Servers: []string{"10.1.128.10"}, Searches: clusterSearch, Options: []string{"ndots:5"}}},
		{name: "Default keeps Docker's resolver", policy: corev1.DNSDefault, cluster: cluster},
		{name: "None is dnsConfig alone", policy: corev1.DNSNone, cluster: cluster,
			config: &corev1.PodDNSConfig{Nameservers: []string{"1.2.3.4"}, Searches: []string{"x.test"},
				Options: []corev1.PodDNSConfigOption{{Name: "edns0"}}},
			want: DNSConfig{Servers: []string{"1.2.3.4"}, Searches: []string{"x.test"}, Options: []string{"edns0"}}},
		{name: "dnsConfig merged into ClusterFirst", policy: corev1.DNSClusterFirst, cluster: cluster,
			config: &corev1.PodDNSConfig{Nameservers: []string{"10.1.128.10", "1.2.3.4"}, Searches: []string{"svc.cluster.local", "x.test"},
				Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: ptr.To("2")}, {Name: "timeout", Value: ptr.To("1")}}},
			want: DNSConfig{Servers: []string{"10.1.128.10", "1.2.3.4"}, Searches: append(slices.Clone(clusterSearch), "x.test"),
				Options: []string{"ndots:2", "timeout:1"}}},
		{name: "at most three nameservers", policy: corev1.DNSClusterFirst, cluster: cluster,
			config: &corev1.PodDNSConfig{Nameservers: []string{"1.1.1.1", "2.2.2.2", "3.3.3.3"}},
			want:   DNSConfig{Servers: []string{"10.1.128.10", "1.1.1.1", "2.2.2.2"}, Searches: clusterSearch, Options: []string{"ndots:5"}}},
		{name: "no cluster DNS keeps the search path", cluster: ClusterDNS{Domain: "cluster.local"},
			want: DNSConfig{Searches: clusterSearch}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns1"},
				Spec: corev1.PodSpec{DNSPolicy: tc.policy, HostNetwork: tc.hostNet, DNSConfig: tc.config}}
			got := PodDNS(pod, tc.cluster)
			if !slices.Equal(got.Servers, tc.want.Servers) || !slices.Equal(got.Searches, tc.want.Searches) || !slices.Equal(got.Options, tc.want.Options) {
				t.Errorf("PodDNS = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestServiceEnv(t *testing.T) {
	svc := func(ns, name, ip string, ports ...corev1.ServicePort) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: corev1.ServiceSpec{ClusterIP: ip, Ports: ports}}
	}
	all := []*corev1.Service{
		svc("ns1", "web-front", "10.1.128.20",
			corev1.ServicePort{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP},
			corev1.ServicePort{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP}),
		svc("ns1", "db", corev1.ClusterIPNone, corev1.ServicePort{Port: 5432}),
		svc("ns1", "ext", "", corev1.ServicePort{Port: 1}),
		svc("ns2", "elsewhere", "10.1.128.30", corev1.ServicePort{Port: 8080}),
		svc("default", "kubernetes", "10.1.128.1", corev1.ServicePort{Name: "https", Port: 443}),
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns1", Name: "p"}}
	env := map[string]string{}
	for _, e := range serviceEnv(podServices(pod, all)) {
		env[e.Name] = e.Value
	}
	for name, want := range map[string]string{
		"WEB_FRONT_SERVICE_HOST":        "10.1.128.20",
		"WEB_FRONT_SERVICE_PORT":        "80",
		"WEB_FRONT_SERVICE_PORT_HTTP":   "80",
		"WEB_FRONT_SERVICE_PORT_DNS":    "53",
		"WEB_FRONT_PORT":                "tcp://10.1.128.20:80",
		"WEB_FRONT_PORT_80_TCP":         "tcp://10.1.128.20:80",
		"WEB_FRONT_PORT_80_TCP_PROTO":   "tcp",
		"WEB_FRONT_PORT_80_TCP_PORT":    "80",
		"WEB_FRONT_PORT_80_TCP_ADDR":    "10.1.128.20",
		"WEB_FRONT_PORT_53_UDP":         "udp://10.1.128.20:53",
		"KUBERNETES_SERVICE_HOST":       "10.1.128.1",
		"KUBERNETES_SERVICE_PORT":       "443",
		"KUBERNETES_SERVICE_PORT_HTTPS": "443",
	} {
		if env[name] != want {
			t.Errorf("%s = %q, want %q", name, env[name], want)
		}
	}
	for _, name := range []string{"DB_SERVICE_HOST", "EXT_SERVICE_HOST", "ELSEWHERE_SERVICE_HOST"} {
		if v, ok := env[name]; ok {
			t.Errorf("%s = %q: headless, ExternalName and other namespaces' Services get no variables", name, v)
		}
	}

	pod.Spec.EnableServiceLinks = ptr.To(false)
	names := []string{}
	for _, e := range serviceEnv(podServices(pod, all)) {
		names = append(names, e.Name)
	}
	if slices.Contains(names, "WEB_FRONT_SERVICE_HOST") || !slices.Contains(names, "KUBERNETES_SERVICE_HOST") {
		t.Errorf("enableServiceLinks false: got %v, want only the kubernetes Service's", names)
	}

	own := withServiceEnv([]corev1.EnvVar{{Name: "WEB_FRONT_SERVICE_HOST", Value: "mine"}}, []corev1.EnvVar{
		{Name: "WEB_FRONT_SERVICE_HOST", Value: "10.1.128.20"}, {Name: "WEB_FRONT_SERVICE_PORT", Value: "80"}})
	if len(own) != 2 || own[0].Value != "mine" {
		t.Errorf("a container's own variable must win: %v", own)
	}
}
