package kubelet_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// podPort stands in for a port of a pod: the fake runtime gives every
// sandbox 127.0.0.1, so the kubelet dials this listener. Each connection
// is answered with an HTTP response naming the pod and echoing the path.
func podPort(t *testing.T, podName string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			_, _ = w.Write([]byte(strings.Repeat("x", bigAnswer)))
			return
		}
		fmt.Fprintf(w, "pod %s path %s", podName, r.URL.Path)
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// bigAnswer is the size of a pod's answer to GET /big: many SPDY frames.
const bigAnswer = 8 << 20

// closedPort is a port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	return port
}

// runningPod runs a kubelet whose sandboxes answer on 127.0.0.1 and waits
// for the pod to be Running.
func runningPod(t *testing.T, name string) (*apiservertest.Server, kubernetes.Interface) {
	t.Helper()
	s := apiservertest.Start(t, apiservertest.Options{})
	rt := newFakeRuntime()
	rt.sandboxIP = "127.0.0.1"
	runKubelet(t, s.Client, rt, podstate.Policy{BackoffBase: 100 * time.Millisecond, BackoffCap: 400 * time.Millisecond})
	if _, err := s.Client.CoreV1().Pods("default").Create(context.Background(), boundPod(name, corev1.RestartPolicyAlways), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the pod to be Running", func() bool { return getPod(t, s.Client, name).Status.Phase == corev1.PodRunning })
	return s, s.Client
}

func portForwardURL(c kubernetes.Interface, name string) *url.URL {
	return c.CoreV1().RESTClient().Post().Resource("pods").Namespace("default").Name(name).SubResource("portforward").URL()
}

// forward runs client-go's port forwarder (what kubectl port-forward
// runs) over dialer to remote, and returns the local port it listens on.
func forward(t *testing.T, dialer httpstream.Dialer, remote int) int {
	t.Helper()
	stop, ready := make(chan struct{}), make(chan struct{})
	pf, err := portforward.New(dialer, []string{"0:" + strconv.Itoa(remote)}, stop, ready, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pf.ForwardPorts() }()
	t.Cleanup(func() {
		close(stop)
		<-done
	})
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("port forward ended before it was ready: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("waited 10s for the port forward to be ready")
	}
	ports, err := pf.GetPorts()
	if err != nil {
		t.Fatal(err)
	}
	return int(ports[0].Local)
}

func spdyDialer(t *testing.T, cfg *rest.Config, u *url.URL) httpstream.Dialer {
	t.Helper()
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, u)
}

func get(t *testing.T, local int, path string) string {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d%s", local, path))
	if err != nil {
		t.Fatalf("GET %s through the forward: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read the answer to GET %s: %v", path, err)
	}
	return string(body)
}

func TestPortForwardThroughTheAPIServerReachesThePodOverSPDY(t *testing.T) {
	s, c := runningPod(t, "fwd")
	local := forward(t, spdyDialer(t, s.Config, portForwardURL(c, "fwd")), podPort(t, "fwd"))
	for i := range 3 { // one forward, several connections
		path := fmt.Sprintf("/req-%d", i)
		if got, want := get(t, local, path), "pod fwd path "+path; got != want {
			t.Fatalf("answer %q, want %q", got, want)
		}
	}
	if got := get(t, local, "/big"); len(got) != bigAnswer {
		t.Fatalf("a %d-byte answer arrived as %d bytes", bigAnswer, len(got))
	}
}

func TestPortForwardTunnelsSPDYOverAWebsocketAsKubectlFirstTries(t *testing.T) {
	s, c := runningPod(t, "ws")
	dialer, err := portforward.NewSPDYOverWebsocketDialer(portForwardURL(c, "ws"), s.Config)
	if err != nil {
		t.Fatal(err)
	}
	local := forward(t, dialer, podPort(t, "ws"))
	for i := range 2 {
		path := fmt.Sprintf("/ws-%d", i)
		if got, want := get(t, local, path), "pod ws path "+path; got != want {
			t.Fatalf("answer %q, want %q", got, want)
		}
	}
}

// The kubelet answers a stream pair for a port nothing listens on with the
// reason on the pair's error stream, which kubectl prints; the data
// stream ends rather than hangs.
func TestPortForwardToAClosedPortReportsTheErrorOnTheErrorStream(t *testing.T) {
	s, c := runningPod(t, "closed")
	port := closedPort(t)
	conn, _, err := spdyDialer(t, s.Config, portForwardURL(c, "closed")).Dial(portforward.PortForwardProtocolV1Name)
	if err != nil {
		t.Fatalf("upgrade to SPDY: %v", err)
	}
	defer conn.Close()
	headers := http.Header{}
	headers.Set(corev1.StreamType, corev1.StreamTypeError)
	headers.Set(corev1.PortHeader, strconv.Itoa(port))
	headers.Set(corev1.PortForwardRequestIDHeader, "0")
	errorStream, err := conn.CreateStream(headers)
	if err != nil {
		t.Fatal(err)
	}
	_ = errorStream.Close()
	headers.Set(corev1.StreamType, corev1.StreamTypeData)
	// Once the pair is complete the kubelet dials, fails and resets both
	// streams, which can beat its reply to this one: "Stream reset" here
	// is the same outcome seen early.
	_, _ = conn.CreateStream(headers)
	msg := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(errorStream)
		msg <- string(b)
	}()
	select {
	case got := <-msg:
		if want := fmt.Sprintf("connect to port %d of pod default/closed", port); !strings.Contains(got, want) || !strings.Contains(got, "refused") {
			t.Fatalf("error stream says %q, want it to contain %q and \"refused\"", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("waited 10s for the error stream")
	}
}

// The kubelet's own endpoint refuses a pod it does not run with 404.
func TestTheKubeletRefusesToForwardToAPodItDoesNotRun(t *testing.T) {
	s, c := runningPod(t, "here")
	node, err := c.CoreV1().Nodes().Get(context.Background(), "n1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kubelet := &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(int(node.Status.DaemonEndpoints.KubeletEndpoint.Port))),
		Path: "/portForward/default/elsewhere"}
	_, _, err = spdyDialer(t, &rest.Config{Host: "http://" + kubelet.Host}, kubelet).Dial(portforward.PortForwardProtocolV1Name)
	if err == nil || !strings.Contains(err.Error(), "not on node n1") {
		t.Fatalf("forward to a pod the kubelet does not run: %v, want a refusal naming the node", err)
	}
	_ = s
}
