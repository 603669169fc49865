package kubelet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/cri-streaming/pkg/streaming/portforward"

	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// The kubelet's streaming endpoints are the ones the API server proxies
// the connect subresources of pods to, at the real kubelet's paths:
//
//	/portForward/<namespace>/<pod>   pods/portforward (kubectl port-forward)
//
// The protocol work (the SPDY upgrade, one data and one error stream per
// forwarded connection, the port and requestID headers, the websocket v4
// channels) is Kubernetes' own, from k8s.io/cri-streaming; the kubelet
// supplies only what reaches into a pod. pods/exec and pods/attach plug in
// beside it the same way, through that module's remotecommand handlers.
const (
	// streamIdleTimeout ends a streaming connection nothing has crossed for
	// this long, as the kubelet's --streaming-connection-idle-timeout does.
	streamIdleTimeout = 4 * time.Hour
	// streamCreationTimeout bounds how long the second stream of a pair
	// (data and error) may come after the first.
	streamCreationTimeout = 30 * time.Second
	// podDialTimeout bounds connecting to a port of a pod.
	podDialTimeout = 5 * time.Second
	// streamDrainTimeout is how long the other direction of a forwarded
	// connection may go on once one has ended.
	streamDrainTimeout = time.Second
)

// streamingRoutes adds the streaming endpoints to the kubelet's server.
// Kubectl's SPDY upgrade is a POST, a websocket one a GET.
func (k *Kubelet) streamingRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /portForward/{namespace}/{pod}", k.handlePortForward)
	mux.HandleFunc("POST /portForward/{namespace}/{pod}", k.handlePortForward)
}

// handlePortForward upgrades the connection and forwards every stream pair
// the client opens to the port it names in the pod.
func (k *Kubelet) handlePortForward(w http.ResponseWriter, r *http.Request) {
	pod, ok := k.streamingPod(w, r)
	if !ok {
		return
	}
	opts, err := portforward.NewV4Options(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	name := pod.Namespace + "/" + pod.Name
	portforward.ServePortForward(w, r, podForwarder{k: k, pod: pod}, name, string(pod.UID), opts,
		streamIdleTimeout, streamCreationTimeout, portforward.SupportedProtocols)
}

// streamingPod is the pod a streaming request names, if it is on this node;
// otherwise it answers 404.
func (k *Kubelet) streamingPod(w http.ResponseWriter, r *http.Request) (*corev1.Pod, bool) {
	key := r.PathValue("namespace") + "/" + r.PathValue("pod")
	pod := k.source.Pod(key)
	if pod == nil {
		http.Error(w, fmt.Sprintf("pod %s is not on node %s", key, k.cfg.NodeName), http.StatusNotFound)
		return nil, false
	}
	return pod, true
}

// podForwarder connects a forwarded stream to a port of one pod. The
// kubelet runs on the cluster network, as the pod's sandbox does, so it
// dials the pod's IP: the same socket a Service's endpoint names, in the
// pod's own network namespace.
type podForwarder struct {
	k   *Kubelet
	pod *corev1.Pod
}

// PortForward copies between stream and the pod's port until either side
// closes. Its error is what the client is told on the pair's error stream.
func (f podForwarder) PortForward(ctx context.Context, _, _ string, port int32, stream io.ReadWriteCloser) error {
	dialCtx, cancel := context.WithTimeout(ctx, podDialTimeout)
	defer cancel()
	ip, err := f.k.sandboxIP(dialCtx, f.pod)
	if err != nil {
		return err
	}
	conn, err := (&net.Dialer{}).DialContext(dialCtx, "tcp", net.JoinHostPort(ip, strconv.Itoa(int(port))))
	if err != nil {
		return fmt.Errorf("connect to port %d of pod %s/%s: %w", port, f.pod.Namespace, f.pod.Name, err)
	}
	defer conn.Close()
	return pipe(conn, stream)
}

// sandboxIP is the IP of the pod's running sandbox, as the runtime sees it.
func (k *Kubelet) sandboxIP(ctx context.Context, pod *corev1.Pod) (string, error) {
	observed, err := k.observe(ctx, pod)
	if err != nil {
		return "", fmt.Errorf("find the sandbox of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	for _, sb := range observed.Sandboxes {
		if sb.State == podstate.Running && sb.IP != "" {
			return sb.IP, nil
		}
	}
	return "", fmt.Errorf("pod %s/%s has no running sandbox on node %s", pod.Namespace, pod.Name, k.cfg.NodeName)
}

// pipe copies both ways between a pod's connection and a client's stream
// until one direction ends: the client stopped sending (kubectl's local
// connection closed, or the forward is gone) or the pod closed its side.
// The other direction then gets streamDrainTimeout to finish, as
// containerd's port forwarder gives it, and pipe returns; the caller
// closes the pod's connection and the streams, which tells kubectl this
// connection is done. Nothing outlives the forward, whatever the pod does.
func pipe(conn net.Conn, stream io.ReadWriteCloser) error {
	up, down := make(chan error, 1), make(chan error, 1)
	go func() {
		_, err := io.Copy(conn, stream)
		if tcp, ok := conn.(*net.TCPConn); ok {
			_ = tcp.CloseWrite() // the pod sees EOF and may still answer
		}
		up <- err
	}()
	go func() {
		_, err := io.Copy(stream, conn)
		down <- err
	}()
	var upErr, downErr error
	select {
	case upErr = <-up:
		select {
		case downErr = <-down:
		case <-time.After(streamDrainTimeout):
		}
	case downErr = <-down:
		select {
		case upErr = <-up:
		case <-time.After(streamDrainTimeout):
		}
	}
	if downErr != nil && !errors.Is(downErr, net.ErrClosed) {
		return fmt.Errorf("copy from the pod: %w", downErr)
	}
	if upErr != nil && !errors.Is(upErr, net.ErrClosed) {
		return fmt.Errorf("copy to the pod: %w", upErr)
	}
	return nil
}
