package apiserver_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

func nodePortService(name string, nodePorts ...int32) *corev1.Service {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: map[string]string{"app": name}}}
	for i, np := range nodePorts {
		svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{Name: fmt.Sprint("p", i), Port: 80 + int32(i), NodePort: np})
	}
	return svc
}

func services(t *testing.T, nodePortRange string) typedcorev1.ServiceInterface {
	return apiservertest.Start(t, apiservertest.Options{ServiceNodePortRange: nodePortRange}).Client.CoreV1().Services("default")
}

func TestNodePortsAreAllocatedInTheRange(t *testing.T) {
	ctx, svcs := context.Background(), services(t, "")
	svc, err := svcs.Create(ctx, nodePortService("web", 0, 0), metav1.CreateOptions{})
	must(t, err)
	a, b := svc.Spec.Ports[0].NodePort, svc.Spec.Ports[1].NodePort
	if a < 30000 || a > 32767 || b < 30000 || b > 32767 || a == b {
		t.Fatalf("node ports %d, %d: want two distinct ports of 30000-32767", a, b)
	}
	clusterIP, err := svcs.Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "plain"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}, metav1.CreateOptions{})
	must(t, err)
	if np := clusterIP.Spec.Ports[0].NodePort; np != 0 {
		t.Errorf("a ClusterIP service got node port %d", np)
	}
}

func TestRequestedNodePorts(t *testing.T) {
	ctx, svcs := context.Background(), services(t, "")
	svc, err := svcs.Create(ctx, nodePortService("web", 30080), metav1.CreateOptions{})
	must(t, err)
	if np := svc.Spec.Ports[0].NodePort; np != 30080 {
		t.Fatalf("node port %d, want the requested 30080", np)
	}
	cases := []struct {
		name string
		svc  *corev1.Service
		want string
	}{
		{"in use", nodePortService("taken", 30080),
			`Service "taken" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated`},
		{"out of range", nodePortService("outside", 80),
			`Service "outside" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767`},
		{"twice in one service", nodePortService("twice", 30090, 30090),
			`Service "twice" is invalid: spec.ports[1].nodePort: Duplicate value: 30090`},
		{"on a ClusterIP service", &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "plain"},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80, NodePort: 30081}}}},
			"spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svcs.Create(ctx, tt.svc, metav1.CreateOptions{})
			if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("create: %v; want a 422 saying %q", err, tt.want)
			}
		})
	}
	// The failed creates left nothing reserved: 30090 is free.
	_, err = svcs.Create(ctx, nodePortService("after", 30090), metav1.CreateOptions{})
	must(t, err)
}

func TestAFailedCreateReleasesTheNodePortsItTook(t *testing.T) {
	ctx, svcs := context.Background(), services(t, "")
	_, err := svcs.Create(ctx, nodePortService("first", 30001), metav1.CreateOptions{})
	must(t, err)
	if _, err := svcs.Create(ctx, nodePortService("second", 30002, 30001), metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("create with a taken second port: %v, want 422", err)
	}
	_, err = svcs.Create(ctx, nodePortService("third", 30002), metav1.CreateOptions{})
	must(t, err)
}

func TestConcurrentCreatesNeverShareANodePort(t *testing.T) {
	ctx, svcs := context.Background(), services(t, "30000-30019")
	var wg sync.WaitGroup
	ports := make([]int32, 20)
	errs := make([]error, 20)
	for i := range 20 {
		wg.Go(func() {
			svc, err := svcs.Create(ctx, nodePortService(fmt.Sprint("web-", i), 0), metav1.CreateOptions{})
			if errs[i] = err; err == nil {
				ports[i] = svc.Spec.Ports[0].NodePort
			}
		})
	}
	wg.Wait()
	seen := map[int32]int{}
	for i, err := range errs {
		must(t, err)
		if j, dup := seen[ports[i]]; dup {
			t.Errorf("web-%d and web-%d share node port %d", i, j, ports[i])
		}
		seen[ports[i]] = i
	}
	// The range is full now.
	if _, err := svcs.Create(ctx, nodePortService("one-too-many", 0), metav1.CreateOptions{}); err == nil ||
		!strings.Contains(err.Error(), "no free node port") {
		t.Fatalf("create in a full range: %v, want an error saying no node port is free", err)
	}
	// A delete frees its port for the next create.
	must(t, svcs.Delete(ctx, "web-3", metav1.DeleteOptions{}))
	svc, err := svcs.Create(ctx, nodePortService("next", 0), metav1.CreateOptions{})
	must(t, err)
	if svc.Spec.Ports[0].NodePort != ports[3] {
		t.Errorf("got node port %d, want %d, the only free one", svc.Spec.Ports[0].NodePort, ports[3])
	}
}

func TestUpdatesKeepChangeAndReleaseNodePorts(t *testing.T) {
	ctx, svcs := context.Background(), services(t, "")
	svc, err := svcs.Create(ctx, nodePortService("web", 30100), metav1.CreateOptions{})
	must(t, err)

	// An update that leaves the node port out keeps it.
	svc.Spec.Ports[0].NodePort = 0
	svc, err = svcs.Update(ctx, svc, metav1.UpdateOptions{})
	must(t, err)
	if np := svc.Spec.Ports[0].NodePort; np != 30100 {
		t.Fatalf("after an update without it: node port %d, want 30100 kept", np)
	}

	// Moving to another port frees the old one.
	svc.Spec.Ports[0].NodePort = 30101
	_, err = svcs.Update(ctx, svc, metav1.UpdateOptions{})
	must(t, err)
	_, err = svcs.Create(ctx, nodePortService("reuse", 30100), metav1.CreateOptions{})
	must(t, err)

	// Changing the type to ClusterIP drops and frees the node port.
	svc, err = svcs.Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"type":"ClusterIP"}}`), metav1.PatchOptions{})
	must(t, err)
	if np := svc.Spec.Ports[0].NodePort; np != 0 {
		t.Fatalf("after type ClusterIP: node port %d, want none", np)
	}
	_, err = svcs.Create(ctx, nodePortService("reuse-2", 30101), metav1.CreateOptions{})
	must(t, err)

	// And back to NodePort: a new one is allocated.
	svc, err = svcs.Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"type":"NodePort"}}`), metav1.PatchOptions{})
	must(t, err)
	if np := svc.Spec.Ports[0].NodePort; np < 30000 || np == 30100 || np == 30101 {
		t.Fatalf("after type NodePort: node port %d, want a new free one", np)
	}
	// An update asking for a taken port is refused, and changes nothing.
	svc.Spec.Ports[0].NodePort = 30100
	if _, err := svcs.Update(ctx, svc, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("update to a taken node port: %v, want 422", err)
	}
}
