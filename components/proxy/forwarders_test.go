package proxy

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func TestForwarderSpec(t *testing.T) {
	f := &forwarders{cfg: Config{Cluster: "c", APIServerURL: "http://apiserver:6443", ForwarderImage: "ownkube/forwarder:latest"}}
	svc := func(mutate func(*corev1.Service)) *corev1.Service {
		s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", UID: "u1"},
			Spec: corev1.ServiceSpec{ClusterIP: "10.0.128.5", Type: corev1.ServiceTypeClusterIP,
				Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}}}}
		if mutate != nil {
			mutate(s)
		}
		return s
	}
	base, ok := f.specFor(svc(nil))
	if !ok || base.name != "c-svc-ns-web" || base.ip != "10.0.128.5" {
		t.Fatalf("spec = %+v, %v; want container c-svc-ns-web at 10.0.128.5", base, ok)
	}
	want := []string{"-api", "http://apiserver:6443", "-namespace", "ns", "-service", "web", "-port", "80:http"}
	if len(base.args) != len(want) {
		t.Fatalf("args %q, want %q", base.args, want)
	}
	for name, m := range map[string]func(*corev1.Service){
		"headless":      func(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone },
		"no IP yet":     func(s *corev1.Service) { s.Spec.ClusterIP = "" },
		"external name": func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeExternalName },
		"UDP only":      func(s *corev1.Service) { s.Spec.Ports[0].Protocol = corev1.ProtocolUDP },
	} {
		if _, ok := f.specFor(svc(m)); ok {
			t.Errorf("%s: a forwarder is wanted; want none", name)
		}
	}
	for name, m := range map[string]func(*corev1.Service){
		"another port": func(s *corev1.Service) { s.Spec.Ports[0].Port = 81 },
		"affinity":     func(s *corev1.Service) { s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP },
		"another IP":   func(s *corev1.Service) { s.Spec.ClusterIP = "10.0.128.6" },
		"recreated":    func(s *corev1.Service) { s.UID = "u2" },
		"short timeout": func(s *corev1.Service) {
			s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
			s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr.To[int32](5)}}
		},
	} {
		if w, _ := f.specFor(svc(m)); w.hash == base.hash {
			t.Errorf("%s: same spec hash; the forwarder would not be replaced", name)
		}
	}
	if again, _ := f.specFor(svc(func(s *corev1.Service) { s.Labels = map[string]string{"x": "y"} })); again.hash != base.hash {
		t.Errorf("a label change replaced the forwarder")
	}
}

func TestAffinityOf(t *testing.T) {
	s := &corev1.Service{}
	if affinityOf(s) != 0 {
		t.Errorf("no affinity: %d", affinityOf(s))
	}
	s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
	if affinityOf(s) != corev1.DefaultClientIPServiceAffinitySeconds {
		t.Errorf("ClientIP without a timeout: %d, want kube's default 10800", affinityOf(s))
	}
}
