package apiserver

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ownkube/ownkube/components/api"
)

// logClient reaches kubelets; a followed log may stream for as long as the
// client listens, so only connecting is bounded.
var logClient = &http.Client{Transport: &http.Transport{
	DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	ResponseHeaderTimeout: 30 * time.Second,
}}

// serveLog is pods/log: it finds the pod's node and proxies the request to
// that node's kubelet, which reads the container's output from the
// runtime. This is how kubectl logs (and -f) works.
func (s *Server) serveLog(w http.ResponseWriter, r *http.Request, req *request) {
	target, err := s.logURL(r.Context(), req, r.URL.Query())
	if err != nil {
		writeError(w, err)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), http.MethodGet, target, nil)
	if err != nil {
		writeError(w, apierrors.NewInternalError(err))
		return
	}
	resp, err := logClient.Do(out)
	if err != nil {
		writeError(w, apierrors.NewServiceUnavailable(fmt.Sprintf("the kubelet of pod %s/%s does not answer: %v", req.namespace, req.name, err)))
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		writeError(w, apierrors.NewGenericServerResponse(resp.StatusCode, "get", corev1.Resource("pods"), req.name, strings.TrimSpace(string(msg)), 0, false))
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	copyFlushing(w, resp.Body)
}

// logURL is the kubelet URL of the container's log the request asks for.
func (s *Server) logURL(ctx context.Context, req *request, q url.Values) (string, error) {
	obj, err := s.store.Get(ctx, req.resource, req.namespace, req.name)
	if err != nil {
		return "", err
	}
	pod := obj.(*corev1.Pod)
	container, err := logContainer(pod, q.Get("container"))
	if err != nil {
		return "", err
	}
	if pod.Spec.NodeName == "" {
		return "", apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned: it has not been scheduled yet", pod.Name))
	}
	host, err := s.kubeletOf(ctx, pod)
	if err != nil {
		return "", err
	}
	forward := url.Values{}
	for _, p := range []string{"follow", "tailLines", "timestamps", "previous"} {
		if v := q.Get(p); v != "" {
			forward.Set(p, v)
		}
	}
	return fmt.Sprintf("http://%s/containerLogs/%s/%s/%s?%s", host, url.PathEscape(pod.Namespace), url.PathEscape(pod.Name),
		url.PathEscape(container), forward.Encode()), nil
}

// logContainer picks the container a log request means: the one named, or
// the pod's only one.
func logContainer(pod *corev1.Pod, name string) (string, error) {
	var names []string
	for _, c := range pod.Spec.Containers {
		if c.Name == name {
			return name, nil
		}
		names = append(names, c.Name)
	}
	if name == "" && len(names) == 1 {
		return names[0], nil
	}
	if name == "" {
		return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %v", pod.Name, names))
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod.Name))
}

// kubeletOf is host:port of the kubelet of the node the pod is bound to.
func (s *Server) kubeletOf(ctx context.Context, pod *corev1.Pod) (string, error) {
	node, err := s.store.Get(ctx, s.nodeResource(), "", pod.Spec.NodeName)
	if err != nil {
		return "", err
	}
	return kubeletHost(node.(*corev1.Node))
}

func kubeletHost(node *corev1.Node) (string, error) {
	port := node.Status.DaemonEndpoints.KubeletEndpoint.Port
	if port == 0 {
		port = 10250
	}
	for _, a := range node.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return net.JoinHostPort(a.Address, strconv.Itoa(int(port))), nil
		}
	}
	return "", apierrors.NewServiceUnavailable(fmt.Sprintf("node %s reports no InternalIP to reach its kubelet at", node.Name))
}

func (s *Server) nodeResource() api.Resource {
	r, _ := api.Lookup(schema.GroupVersionResource{Version: "v1", Resource: "nodes"})
	return r
}

// copyFlushing copies a stream, flushing after every read so a followed
// log reaches the client line by line.
func copyFlushing(w http.ResponseWriter, r io.Reader) {
	rc := http.NewResponseController(w)
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			_ = rc.Flush()
		}
		if err != nil {
			return
		}
	}
}
