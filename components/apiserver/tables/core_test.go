package tables

import (
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestPrintCoreKinds(t *testing.T) {
	holder := "kube-scheduler-1"
	tests := []struct {
		name     string
		resource string
		obj      runtime.Object
		want     []interface{}
	}{
		{"active namespace", "namespaces", &corev1.Namespace{ObjectMeta: objectMeta("team-a", 5*time.Hour),
			Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}, cells("team-a", "Active", "5h")},
		{"terminating namespace", "namespaces", &corev1.Namespace{ObjectMeta: objectMeta("old", 49*time.Hour),
			Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}}, cells("old", "Terminating", "2d1h")},
		{"configmap counts data and binaryData", "configmaps", &corev1.ConfigMap{ObjectMeta: objectMeta("cfg", 3*time.Minute),
			Data: map[string]string{"a": "1", "b": "2"}, BinaryData: map[string][]byte{"c": {1}}}, cells("cfg", int64(3), "3m")},
		{"empty configmap", "configmaps", &corev1.ConfigMap{ObjectMeta: objectMeta("empty", 0)}, cells("empty", int64(0), "0s")},
		{"secret merges stringData into data", "secrets", &corev1.Secret{ObjectMeta: objectMeta("creds", 8*24*time.Hour),
			Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"user": []byte("u")},
			StringData: map[string]string{"user": "v", "password": "p"}}, cells("creds", "Opaque", int64(2), "8d")},
		{"service account", "serviceaccounts", &corev1.ServiceAccount{ObjectMeta: objectMeta("default", 400*24*time.Hour),
			Secrets: []corev1.ObjectReference{{Name: "token"}}}, cells("default", int64(1), "400d")},
		{"held lease", "leases", &coordinationv1.Lease{ObjectMeta: objectMeta("kube-scheduler", 20*time.Second),
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder}}, cells("kube-scheduler", "kube-scheduler-1", "20s")},
		{"free lease", "leases", &coordinationv1.Lease{ObjectMeta: objectMeta("free", time.Minute)}, cells("free", "", "60s")},
		{"no creation time", "configmaps", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, cells("x", int64(0), "<unknown>")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := printers[resourceGR(tt.resource)]
			checkCells(t, p.columns, p.cells(tt.obj, now), tt.want)
		})
	}
}

func TestPrintService(t *testing.T) {
	svc := func(typ corev1.ServiceType, ports ...corev1.ServicePort) *corev1.Service {
		return &corev1.Service{ObjectMeta: objectMeta("web", 4*time.Minute), Spec: corev1.ServiceSpec{
			Type: typ, ClusterIP: "10.96.0.10", ClusterIPs: []string{"10.96.0.10"}, Ports: ports,
			Selector: map[string]string{"app": "web"}}}
	}
	http := corev1.ServicePort{Port: 80, Protocol: corev1.ProtocolTCP}
	https := corev1.ServicePort{Port: 443, Protocol: corev1.ProtocolTCP}

	headless := svc(corev1.ServiceTypeClusterIP)
	headless.Spec.ClusterIP, headless.Spec.ClusterIPs, headless.Spec.Selector = "None", nil, nil
	withExternal := svc(corev1.ServiceTypeClusterIP, http)
	withExternal.Spec.ExternalIPs = []string{"192.0.2.1", "192.0.2.2"}
	nodePort := svc(corev1.ServiceTypeNodePort, corev1.ServicePort{Port: 80, NodePort: 30080, Protocol: corev1.ProtocolTCP})
	balanced := svc(corev1.ServiceTypeLoadBalancer, http)
	balanced.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "203.0.113.9"}, {Hostname: "lb.example.com"}, {IP: "203.0.113.9"}}
	external := svc(corev1.ServiceTypeExternalName)
	external.Spec.ExternalName, external.Spec.ClusterIP, external.Spec.ClusterIPs = "db.example.com", "", nil

	tests := []struct {
		name string
		svc  *corev1.Service
		want []interface{}
	}{
		{"cluster IP with two ports", svc(corev1.ServiceTypeClusterIP, http, https),
			cells("web", "ClusterIP", "10.96.0.10", "<none>", "80/TCP,443/TCP", "4m", "app=web")},
		{"headless without ports", headless, cells("web", "ClusterIP", "None", "<none>", "<none>", "4m", "<none>")},
		{"external IPs", withExternal, cells("web", "ClusterIP", "10.96.0.10", "192.0.2.1,192.0.2.2", "80/TCP")},
		{"node port", nodePort, cells("web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP")},
		{"load balancer pending", svc(corev1.ServiceTypeLoadBalancer, http), cells("web", "LoadBalancer", "10.96.0.10", "<pending>")},
		{"load balancer ready", balanced, cells("web", "LoadBalancer", "10.96.0.10", "203.0.113.9,lb.example.com")},
		{"external name", external, cells("web", "ExternalName", "<none>", "db.example.com", "<none>")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, printers[gr("", "services")].columns, printService(tt.svc, now), tt.want)
		})
	}
}

func TestPrintEndpoints(t *testing.T) {
	addrs := func(ips ...string) []corev1.EndpointAddress {
		out := make([]corev1.EndpointAddress, len(ips))
		for i, ip := range ips {
			out[i].IP = ip
		}
		return out
	}
	ports := func(ps ...int32) []corev1.EndpointPort {
		out := make([]corev1.EndpointPort, len(ps))
		for i, p := range ps {
			out[i].Port = p
		}
		return out
	}
	ep := func(subsets ...corev1.EndpointSubset) *corev1.Endpoints {
		return &corev1.Endpoints{ObjectMeta: objectMeta("web", time.Hour), Subsets: subsets}
	}
	tests := []struct {
		name string
		ep   *corev1.Endpoints
		want string
	}{
		{"no subsets", ep(), "<none>"},
		{"two addresses", ep(corev1.EndpointSubset{Addresses: addrs("10.0.0.1", "10.0.0.2"), Ports: ports(8080)}),
			"10.0.0.1:8080,10.0.0.2:8080"},
		{"more than three", ep(corev1.EndpointSubset{Addresses: addrs("10.0.0.1", "10.0.0.2", "10.0.0.3"), Ports: ports(80, 443)}),
			"10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more..."},
		{"headless without ports", ep(corev1.EndpointSubset{Addresses: addrs("10.0.0.1")},
			corev1.EndpointSubset{Addresses: addrs("fd00::2"), Ports: ports(53)}), "10.0.0.1,[fd00::2]:53"},
		{"subset without ready addresses", ep(corev1.EndpointSubset{Ports: ports(80)}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, printers[gr("", "endpoints")].columns, printEndpoints(tt.ep, now), cells("web", tt.want, "60m"))
		})
	}
}

func TestPrintEvent(t *testing.T) {
	old := &corev1.Event{ObjectMeta: objectMeta("web.17a", time.Hour),
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "web", FieldPath: "spec.containers{app}"},
		Type:           corev1.EventTypeWarning, Reason: "BackOff", Message: "Back-off restarting failed container\n",
		Source:         corev1.EventSource{Component: "kubelet", Host: "node-1"},
		FirstTimestamp: ago(10 * time.Minute), LastTimestamp: ago(5 * time.Second), Count: 7,
	}
	series := &corev1.Event{ObjectMeta: objectMeta("web.17b", time.Hour),
		InvolvedObject: corev1.ObjectReference{Kind: "Node"}, Type: corev1.EventTypeNormal, Reason: "Starting",
		EventTime:           metav1.NewMicroTime(now.Add(-3 * time.Minute)),
		Series:              &corev1.EventSeries{Count: 4, LastObservedTime: metav1.NewMicroTime(now.Add(-time.Minute))},
		ReportingController: "ownkube/kubelet", ReportingInstance: "node-2",
	}
	single := &corev1.Event{ObjectMeta: objectMeta("web.17c", time.Hour),
		InvolvedObject: corev1.ObjectReference{Kind: "ReplicaSet", Name: "web-5d4f"}, Type: corev1.EventTypeNormal,
		Reason: "SuccessfulCreate", EventTime: metav1.NewMicroTime(now.Add(-2 * time.Minute)), ReportingController: "replicaset-controller",
	}
	tests := []struct {
		name string
		ev   *corev1.Event
		want []interface{}
	}{
		{"core/v1 event", old, cells("5s", "Warning", "BackOff", "pod/web", "spec.containers{app}", "kubelet, node-1",
			"Back-off restarting failed container", "10m", int64(7), "web.17a")},
		{"events.k8s.io series", series, cells("60s", "Normal", "Starting", "node", "", "ownkube/kubelet, node-2", "", "3m", int64(4), "web.17b")},
		{"events.k8s.io singleton", single, cells("2m", "Normal", "SuccessfulCreate", "replicaset/web-5d4f", "", "replicaset-controller", "", "2m", int64(1), "web.17c")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, printers[gr("", "events")].columns, printEvent(tt.ev, now), tt.want)
		})
	}
}
