package apiserver

import (
	"context"
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/proxy"

	"github.com/ownkube/ownkube/components/api"
)

// proxyTransport dials pods, as kube-apiserver's proxy transport does:
// short dials, and no check of a pod's own certificate (an https: name
// reaches a pod serving any certificate, as it does in Kubernetes).
var proxyTransport = &http.Transport{
	DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	TLSClientConfig:       &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // kube-apiserver's proxy does not verify pods either
	ResponseHeaderTimeout: requestTimeout,
	MaxIdleConnsPerHost:   8,
}

// serveProxy answers pods/proxy and services/proxy: it finds the address
// the name stands for ("web", "web:8080" or "https:web:443") and proxies
// the request, path and query to it with apimachinery's upgrade-aware
// handler, which rewrites the links of an HTML answer to pass through
// this server again, as kube-apiserver's ProxyREST does. This is how
// `kubectl proxy` users reach a Service by its API path.
func (s *Server) serveProxy(w http.ResponseWriter, r *http.Request, req *request) {
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	var (
		location *url.URL
		err      error
	)
	if req.resource.Resource == "services" {
		location, err = s.serviceLocation(ctx, req)
	} else {
		location, err = s.podLocation(ctx, req)
	}
	cancel()
	if err != nil {
		writeError(w, err)
		return
	}
	location.Path = proxyPath(location.Path, req.proxyPath)
	handler := proxy.NewUpgradeAwareHandler(location, proxyTransport, true, false, proxyResponder{req: req})
	handler.ServeHTTP(w, r)
}

// proxyPath joins the path after /proxy to the location's, keeping a
// trailing slash (path.Join drops it, and a web page's relative links
// depend on it), as kube's ProxyREST does.
func proxyPath(base, rest string) string {
	if rest == "" {
		return base
	}
	joined := path.Join("/", base, rest)
	if strings.HasSuffix(rest, "/") && !strings.HasSuffix(joined, "/") {
		joined += "/"
	}
	return joined
}

// podLocation is the pod's address, with the port named or else its
// first container port, as kube's pod ResourceLocation chooses it.
func (s *Server) podLocation(ctx context.Context, req *request) (*url.URL, error) {
	scheme, name, port, ok := utilnet.SplitSchemeNamePort(req.name)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid pod request %q: give NAME, NAME:PORT or SCHEME:NAME:PORT", req.name))
	}
	obj, err := s.store.Get(ctx, req.resource, req.namespace, name)
	if err != nil {
		return nil, err
	}
	pod := obj.(*corev1.Pod)
	if port == "" {
		port = firstContainerPort(pod)
	}
	if pod.Status.PodIP == "" {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("pod %s has no address to proxy to yet (phase %s)", name, phaseOf(pod)))
	}
	// Never the server's own loopback or a link-local address, as kube
	// refuses them: a pod's status must not turn the proxy inward.
	if ip := net.ParseIP(pod.Status.PodIP); ip == nil || !ip.IsGlobalUnicast() {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("address not allowed: pod %s reports %q", name, pod.Status.PodIP))
	}
	loc := &url.URL{Scheme: scheme, Host: pod.Status.PodIP}
	if port != "" {
		loc.Host = net.JoinHostPort(pod.Status.PodIP, port)
	}
	return loc, nil
}

func firstContainerPort(pod *corev1.Pod) string {
	for _, c := range pod.Spec.Containers {
		if len(c.Ports) > 0 {
			return strconv.Itoa(int(c.Ports[0].ContainerPort))
		}
	}
	return ""
}

// serviceLocation is one ready endpoint of the Service's port, chosen at
// random, as kube's service ResourceLocation chooses it: a port given by
// number stands for the Service port of that number, whose name the
// Endpoints' ports carry.
func (s *Server) serviceLocation(ctx context.Context, req *request) (*url.URL, error) {
	scheme, name, port, ok := utilnet.SplitSchemeNamePort(req.name)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid service request %q: give NAME, NAME:PORT or SCHEME:NAME:PORT", req.name))
	}
	obj, err := s.store.Get(ctx, req.resource, req.namespace, name)
	if err != nil {
		return nil, err
	}
	portName, err := servicePortName(obj.(*corev1.Service), port)
	if err != nil {
		return nil, err
	}
	endpoints, _ := api.Lookup(schema.GroupVersionResource{Version: "v1", Resource: "endpoints"})
	obj, err = s.store.Get(ctx, endpoints, req.namespace, name)
	if apierrors.IsNotFound(err) {
		return nil, noEndpoints(name)
	}
	if err != nil {
		return nil, err
	}
	host, ok := pickEndpoint(obj.(*corev1.Endpoints), portName)
	if !ok {
		return nil, noEndpoints(name)
	}
	return &url.URL{Scheme: scheme, Host: host}, nil
}

// servicePortName is the name of the Service port a proxy request means:
// the name itself, or the name of the port of that number.
func servicePortName(svc *corev1.Service, port string) (string, error) {
	n, err := strconv.ParseInt(port, 10, 32)
	if err != nil {
		return port, nil
	}
	for _, p := range svc.Spec.Ports {
		if int64(p.Port) == n {
			return p.Name, nil
		}
	}
	return "", apierrors.NewServiceUnavailable(fmt.Sprintf("no service port %d found for service %q", n, svc.Name))
}

// pickEndpoint chooses a ready address of a subset that has the port,
// starting at a random subset and address so load spreads.
func pickEndpoint(eps *corev1.Endpoints, portName string) (string, bool) {
	subsets := eps.Subsets
	if len(subsets) == 0 {
		return "", false
	}
	start := rand.IntN(len(subsets))
	for i := range subsets {
		ss := subsets[(start+i)%len(subsets)]
		if len(ss.Addresses) == 0 {
			continue
		}
		for _, p := range ss.Ports {
			if p.Name == portName {
				addr := ss.Addresses[rand.IntN(len(ss.Addresses))]
				return net.JoinHostPort(addr.IP, strconv.Itoa(int(p.Port))), true
			}
		}
	}
	return "", false
}

func noEndpoints(service string) error {
	return apierrors.NewServiceUnavailable(fmt.Sprintf("no endpoints available for service %q", service))
}

// proxyResponder answers what the proxy could not reach, in Status form:
// a pod or endpoint that does not answer is 503, as kube-apiserver says.
type proxyResponder struct{ req *request }

func (p proxyResponder) Error(w http.ResponseWriter, _ *http.Request, err error) {
	writeError(w, apierrors.NewServiceUnavailable(fmt.Sprintf("error trying to reach %s %s/%s: %v",
		strings.TrimSuffix(p.req.resource.Resource, "s"), p.req.namespace, p.req.name, err)))
}
