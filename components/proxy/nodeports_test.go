package proxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

// TestNodePortsFollowServicesAndSlices runs the node port server on
// 127.0.0.1 against a fake API: a NodePort Service's port answers from its
// ready endpoints, follows its slices, and closes when the Service becomes
// ClusterIP.
func TestNodePortsFollowServicesAndSlices(t *testing.T) {
	a, b := serveName(t, "a"), serveName(t, "b")
	nodePort := int32(freePort(t))
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ClusterIP: "10.0.128.5",
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, NodePort: nodePort, Protocol: corev1.ProtocolTCP}}}}
	client := fake.NewClientset(svc, sliceNamed("web-1", a, true), sliceNamed("web-2", b, false))
	factory := informers.NewSharedInformerFactory(client, 0)
	np, err := newNodePorts(factory, "127.0.0.1", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	done := make(chan error, 1)
	go func() { done <- np.run(ctx) }()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(nodePort)))

	awaitOnly(t, addr, "a")
	// b turns ready.
	if _, err := client.DiscoveryV1().EndpointSlices("default").Update(ctx, sliceNamed("web-2", b, true), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	awaitBoth(t, addr)
	// The Service becomes ClusterIP: its node port closes.
	svc.Spec.Type, svc.Spec.Ports[0].NodePort = corev1.ServiceTypeClusterIP, 0
	if _, err := client.CoreV1().Services("default").Update(ctx, svc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
		}
		return err != nil, nil
	})
	if err != nil {
		t.Fatalf("node port %d still open after the Service became ClusterIP", nodePort)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

func awaitOnly(t *testing.T, addr, want string) {
	t.Helper()
	var got string
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		for range 4 {
			if got = ask(addr); got != want {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("node port %s answered %q; want only %q", addr, got, want)
	}
}

func awaitBoth(t *testing.T, addr string) {
	t.Helper()
	seen := map[string]bool{}
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		seen[ask(addr)] = true
		return seen["a"] && seen["b"], nil
	})
	if err != nil {
		t.Fatalf("node port %s answered %v; want both a and b", addr, seen)
	}
}

// sliceNamed is EndpointSlice name of Service default/web with the one
// endpoint addr.
func sliceNamed(name, addr string, ready bool) *discoveryv1.EndpointSlice {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: "default", Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: "web"}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To(int32(p)), Protocol: ptr.To(corev1.ProtocolTCP)}},
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{host}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
	}
}

func ask(addr string) string {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err.Error()
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err.Error()
	}
	return line[:len(line)-1]
}

// serveName answers every connection with name; it returns its address.
func serveName(t *testing.T, name string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fmt.Fprintln(c, name)
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
