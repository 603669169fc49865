package endpoints_test

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/controllers/endpoints/endpointstate"
	"github.com/ownkube/ownkube/solutions/endpoints"
)

func TestTargetPort(t *testing.T) {
	pod := podWithPorts(
		corev1.ContainerPort{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
		corev1.ContainerPort{Name: "http", ContainerPort: 8080},
		corev1.ContainerPort{Name: "http", ContainerPort: 9090, Protocol: corev1.ProtocolTCP},
		corev1.ContainerPort{Name: "dns", ContainerPort: 5353, Protocol: corev1.ProtocolTCP},
	)
	cases := []struct {
		name   string
		port   corev1.ServicePort
		want   int32
		wantOK bool
	}{
		{"a number is taken as is", corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(7000)}, 7000, true},
		{"unset is the service port", corev1.ServicePort{Port: 80}, 80, true},
		{"a name resolves to the first match", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}, 8080, true},
		{"an empty protocol is TCP", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http")}, 8080, true},
		{"the protocol must match", corev1.ServicePort{Port: 53, TargetPort: intstr.FromString("dns"), Protocol: corev1.ProtocolTCP}, 5353, true},
		{"UDP by name", corev1.ServicePort{Port: 53, TargetPort: intstr.FromString("dns"), Protocol: corev1.ProtocolUDP}, 53, true},
		{"a missing name does not resolve", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("metrics")}, 0, false},
		{"a name with another protocol does not resolve", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolUDP}, 0, false},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := endpoints.TargetPort(pod, tt.port)
			if err != nil {
				t.Fatalf("TargetPort: %v", err)
			}
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("TargetPort = %d, %v; want %d, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestTargetPortLooksInEveryContainer(t *testing.T) {
	pod := podWithPorts(corev1.ContainerPort{Name: "a", ContainerPort: 1000})
	pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: "side",
		Ports: []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9100}}})
	got, ok, err := endpoints.TargetPort(pod, corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("metrics")})
	if err != nil || got != 9100 || !ok {
		t.Errorf("TargetPort = %d, %v, %v; want 9100, true, nil", got, ok, err)
	}
}

// summary is what the table checks of an Endpoint.
type summary struct {
	Pod                         string
	Ready, Serving, Terminating bool
	Ports                       []int32
}

func summarize(eps []endpointstate.Endpoint) []summary {
	var out []summary
	for _, e := range eps {
		s := summary{Pod: e.Pod.Name, Ready: e.Ready, Serving: e.Serving, Terminating: e.Terminating}
		for _, p := range e.Ports {
			s.Ports = append(s.Ports, p.Port)
		}
		out = append(out, s)
	}
	return out
}

func TestEndpoints(t *testing.T) {
	web := service("web", corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP})
	twoPorts := service("web",
		corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP},
		corev1.ServicePort{Name: "admin", Port: 81, TargetPort: intstr.FromInt32(9000), Protocol: corev1.ProtocolTCP})
	publishing := web.DeepCopy()
	publishing.Spec.PublishNotReadyAddresses = true
	headless := service("web")
	headless.Spec.ClusterIP = corev1.ClusterIPNone

	ready, unready := readyPod("b", "10.0.0.2", 8080), unreadyPod("a", "10.0.0.1", 8080)
	deleting := readyPod("c", "10.0.0.3", 8080)
	deleting.DeletionTimestamp = &metav1.Time{}
	noIP := readyPod("d", "", 8080)
	succeeded, failed := readyPod("e", "10.0.0.5", 8080), readyPod("f", "10.0.0.6", 8080)
	succeeded.Status.Phase, failed.Status.Phase = corev1.PodSucceeded, corev1.PodFailed
	noPort := readyPod("g", "10.0.0.7")

	cases := []struct {
		name               string
		svc                *corev1.Service
		pods               []*corev1.Pod
		includeTerminating bool
		want               []summary
	}{
		{"no pods", web, nil, false, nil},
		{"ready and not ready, sorted by name", web, []*corev1.Pod{ready, unready}, false, []summary{
			{Pod: "a", Ports: []int32{8080}},
			{Pod: "b", Ready: true, Serving: true, Ports: []int32{8080}},
		}},
		{"a pod without an IP, an ended pod and a pod without the named port are left out", web,
			[]*corev1.Pod{noIP, succeeded, failed, noPort, ready}, false, []summary{
				{Pod: "b", Ready: true, Serving: true, Ports: []int32{8080}},
			}},
		{"a deleting pod is left out of Endpoints", web, []*corev1.Pod{deleting}, false, nil},
		{"a deleting pod is in slices, terminating and not ready", web, []*corev1.Pod{deleting}, true, []summary{
			{Pod: "c", Serving: true, Terminating: true, Ports: []int32{8080}},
		}},
		{"publishNotReadyAddresses makes every pod ready", publishing, []*corev1.Pod{unready, deleting}, true, []summary{
			{Pod: "a", Ready: true, Serving: true, Ports: []int32{8080}},
			{Pod: "c", Ready: true, Serving: true, Terminating: true, Ports: []int32{8080}},
		}},
		{"a port that does not resolve is left out, the others stay", twoPorts, []*corev1.Pod{noPort}, false, []summary{
			{Pod: "g", Ready: true, Serving: true, Ports: []int32{9000}},
		}},
		{"ports in the service's order", twoPorts, []*corev1.Pod{ready}, false, []summary{
			{Pod: "b", Ready: true, Serving: true, Ports: []int32{8080, 9000}},
		}},
		{"a headless service without ports keeps its pods", headless, []*corev1.Pod{noPort}, false, []summary{
			{Pod: "g", Ready: true, Serving: true},
		}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := endpoints.Endpoints(tt.svc, tt.pods, tt.includeTerminating)
			if err != nil {
				t.Fatalf("Endpoints: %v", err)
			}
			if s := summarize(got); !reflect.DeepEqual(s, tt.want) {
				t.Errorf("Endpoints =\n %+v\nwant\n %+v", s, tt.want)
			}
		})
	}
}

func TestEndpointsCarryThePod(t *testing.T) {
	svc := service("web", corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http"),
		Protocol: corev1.ProtocolTCP, AppProtocol: ptr.To("http")})
	named := readyPod("a", "10.0.0.1", 8080)
	named.Spec.Hostname, named.Spec.Subdomain = "a-host", "web"
	other := readyPod("b", "10.0.0.2", 8080)
	other.Spec.Hostname, other.Spec.Subdomain = "b-host", "elsewhere"

	got, err := endpoints.Endpoints(svc, []*corev1.Pod{named, other}, false)
	if err != nil {
		t.Fatalf("Endpoints: %v", err)
	}
	want := []endpointstate.Endpoint{
		{Pod: types.NamespacedName{Namespace: "default", Name: "a"}, UID: "uid-a", IP: "10.0.0.1", NodeName: "node-1",
			Hostname: "a-host", Ready: true, Serving: true,
			Ports: []endpointstate.Port{{Name: "http", Port: 8080, Protocol: "TCP", AppProtocol: ptr.To("http")}}},
		{Pod: types.NamespacedName{Namespace: "default", Name: "b"}, UID: "uid-b", IP: "10.0.0.2", NodeName: "node-1",
			Ready: true, Serving: true,
			Ports: []endpointstate.Port{{Name: "http", Port: 8080, Protocol: "TCP", AppProtocol: ptr.To("http")}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Endpoints =\n %+v\nwant\n %+v", got, want)
	}
}

func service(name string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": name}, Ports: ports, ClusterIP: "10.96.0.10"}}
}

func podWithPorts(ports ...corev1.ContainerPort) *corev1.Pod {
	return &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Ports: ports}}}}
}

func readyPod(name, ip string, ports ...int32) *corev1.Pod {
	pod := unreadyPod(name, ip, ports...)
	pod.Status.Conditions[0].Status = corev1.ConditionTrue
	return pod
}

func unreadyPod(name, ip string, ports ...int32) *corev1.Pod {
	var cps []corev1.ContainerPort
	for _, p := range ports {
		cps = append(cps, corev1.ContainerPort{Name: "http", ContainerPort: p, Protocol: corev1.ProtocolTCP})
	}
	pod := podWithPorts(cps...)
	pod.ObjectMeta = metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name)}
	pod.Spec.NodeName = "node-1"
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}}
	return pod
}
