package apiserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/httpstream/wsstream"
	"k8s.io/apimachinery/pkg/util/proxy"
	streamproxy "k8s.io/apiserver/pkg/util/proxy"
)

// connectPaths maps the connect subresources of pods to the kubelet path
// each is proxied to, as kube-apiserver's pod REST does. pods/exec and
// pods/attach are to join here ("exec" → "exec", "attach" → "attach",
// with the container in the path) and take the same proxy path.
var connectPaths = map[string]string{
	"portforward": "portForward",
}

// kubeletTransport dials kubelets for upgraded connections; the upgraded
// stream itself may last as long as the client holds it.
var kubeletTransport = &http.Transport{
	DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	ResponseHeaderTimeout: 30 * time.Second,
}

// serveConnect answers a connect subresource (pods/portforward): it finds
// the pod's kubelet and proxies the upgraded connection to it with
// apimachinery's upgrade-aware handler, so the SPDY streams run between
// the client and the kubelet through this server. A websocket request
// that tunnels SPDY (kubectl's first try, "SPDY/3.1+portforward.k8s.io")
// is unwrapped by k8s.io/apiserver's tunneling handler into the same SPDY
// upgrade toward the kubelet, as kube-apiserver does with its
// PortForwardWebsockets feature on.
func (s *Server) serveConnect(w http.ResponseWriter, r *http.Request, req *request) {
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	location, err := s.connectLocation(ctx, req, r.URL.Query())
	cancel()
	if err != nil {
		writeError(w, err)
		return
	}
	upgrade := proxy.NewUpgradeAwareHandler(location, kubeletTransport, false, true, connectResponder{req: req})
	tunnel := streamproxy.NewTunnelingHandler(upgrade)
	streamproxy.NewTranslatingHandler(upgrade, tunnel, wsstream.IsWebSocketRequestWithTunnelingProtocol).ServeHTTP(w, r)
}

// connectLocation is the kubelet URL a connect request goes to: the pod
// must exist, be bound to a node and be running.
func (s *Server) connectLocation(ctx context.Context, req *request, q url.Values) (*url.URL, error) {
	obj, err := s.store.Get(ctx, req.resource, req.namespace, req.name)
	if err != nil {
		return nil, err
	}
	pod := obj.(*corev1.Pod)
	if pod.Spec.NodeName == "" {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned: it has not been scheduled yet", pod.Name))
	}
	if pod.Status.Phase != corev1.PodRunning {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("unable to forward port because pod %s is not running. Current status=%s", pod.Name, phaseOf(pod)))
	}
	params, err := portParams(q)
	if err != nil {
		return nil, err
	}
	host, err := s.kubeletOf(ctx, pod)
	if err != nil {
		return nil, err
	}
	return &url.URL{Scheme: "http", Host: host, RawQuery: params.Encode(),
		Path: fmt.Sprintf("/%s/%s/%s", connectPaths[req.subresource], pod.Namespace, pod.Name)}, nil
}

func phaseOf(pod *corev1.Pod) corev1.PodPhase {
	if pod.Status.Phase == "" {
		return corev1.PodPending
	}
	return pod.Status.Phase
}

// portParams reads PodPortForwardOptions' ports (ports=8080,9090 or
// repeated) into the kubelet's port parameters. Kubectl sends none: its
// ports travel in the streams' headers.
func portParams(q url.Values) (url.Values, error) {
	out := url.Values{}
	for _, v := range q["ports"] {
		for _, p := range strings.Split(v, ",") {
			n, err := strconv.ParseUint(p, 10, 16)
			if err != nil || n == 0 {
				return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid port %q: ports must be numbers from 1 to 65535", p))
			}
			out.Add("port", p)
		}
	}
	return out, nil
}

// connectResponder answers what the upgrade-aware handler could not
// proxy: a request that is no upgrade (400, as kube-apiserver answers), a
// kubelet that does not answer (503), in Status form.
type connectResponder struct{ req *request }

func (c connectResponder) Error(w http.ResponseWriter, _ *http.Request, err error) {
	if _, ok := err.(apierrors.APIStatus); ok {
		writeError(w, err)
		return
	}
	writeError(w, apierrors.NewServiceUnavailable(fmt.Sprintf("the kubelet of pod %s/%s does not answer: %v", c.req.namespace, c.req.name, err)))
}
