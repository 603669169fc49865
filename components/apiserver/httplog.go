package apiserver

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	endpointsmetrics "k8s.io/apiserver/pkg/endpoints/metrics"
	apirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/endpoints/responsewriter"
)

// Request logging (Config.LogRequests), in the manner of kube-apiserver's
// httplog (k8s.io/apiserver/pkg/server/httplog): one "HTTP" line per
// request once it is answered, with its verb, URI, response code, latency
// and user agent, the component that sent it. A watch is logged when its
// stream opens (its code is known then, and it may last minutes), and each
// event sent on it gets a "watch event" line with the object's
// resourceVersion and the watcher. With the lines of the other components
// they make the timeline of a failing e2e spec: who asked what, and who was
// told what, when. Off, it costs one bool test per request and per event.

// requestLog records what a request's response was, for its log line (when
// Config.LogRequests asks for them) and its metrics; it is the "decorator"
// of k8s.io/apiserver's responsewriter, which keeps Flush and Hijack (a
// watch needs the one, pods/portforward the other) working through it.
type requestLog struct {
	w     http.ResponseWriter
	log   *slog.Logger
	r     *http.Request
	start time.Time
	// userAgent is read once, at the start: the headers are not to be
	// read while a handler may still change them (as httplog notes).
	userAgent string
	// verb is Kubernetes' verb, set by serveResource through noteVerb;
	// the HTTP method for the other paths.
	verb     string
	status   int
	hijacked bool
	// logging says to write the request's log lines.
	logging bool
	// resource is what the request was on, set by serveResource; nil for
	// the paths that are not resources (discovery, health), which have
	// no request metrics.
	resource *request
	// written counts the response's bytes, for the metrics.
	written int
	// logged is set once the request's line is written: a watch's when its
	// stream opens.
	logged bool
}

type requestLogKey struct{}

// logRequests wraps next with request metrics, and with request logging if
// the server was asked for it.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rl := &requestLog{w: w, log: s.log, r: r, start: time.Now(), userAgent: r.UserAgent(), verb: r.Method, logging: s.cfg.LogRequests}
		r = r.WithContext(context.WithValue(r.Context(), requestLogKey{}, rl))
		defer rl.done()
		next.ServeHTTP(responsewriter.WrapForHTTP1Or2(rl), r)
	})
}

// noteRequest tells the request's log what r is on and its Kubernetes verb.
func noteRequest(r *http.Request, req *request) {
	if rl, ok := r.Context().Value(requestLogKey{}).(*requestLog); ok {
		rl.verb = strings.ToUpper(req.verb)
		rl.resource = req
	}
}

// Unwrap is the responsewriter.UserProvidedDecorator's.
func (rl *requestLog) Unwrap() http.ResponseWriter { return rl.w }

func (rl *requestLog) Header() http.Header { return rl.w.Header() }

func (rl *requestLog) Write(b []byte) (int, error) {
	if rl.status == 0 {
		rl.WriteHeader(http.StatusOK)
	}
	n, err := rl.w.Write(b)
	rl.written += n
	return n, err
}

func (rl *requestLog) WriteHeader(status int) {
	if rl.status == 0 {
		rl.status = status
		if rl.verb == "WATCH" && rl.logging {
			rl.line("HTTP")
		}
	}
	rl.w.WriteHeader(status)
}

func (rl *requestLog) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	rl.hijacked = true
	return rl.w.(http.Hijacker).Hijack()
}

// done logs the request when its handler returns, unless its line was
// written when its watch opened; then it says the watch closed.
func (rl *requestLog) done() {
	rl.measure()
	if !rl.logging {
		return
	}
	switch {
	case !rl.logged:
		rl.line("HTTP")
	case rl.verb == "WATCH" && rl.status == http.StatusOK:
		rl.log.Info("watch closed", "URI", rl.r.RequestURI, "duration", time.Since(rl.start).Round(time.Millisecond), "userAgent", rl.userAgent)
	}
}

func (rl *requestLog) line(msg string) {
	rl.logged = true
	attrs := []any{"verb", rl.verb, "URI", rl.r.RequestURI, "latency", time.Since(rl.start).Round(time.Microsecond), "userAgent", rl.userAgent}
	if rl.hijacked {
		attrs = append(attrs, "hijacked", true)
	} else {
		attrs = append(attrs, "resp", answered(rl.status))
	}
	rl.log.Info(msg, attrs...)
}

// answered is the code of a response: 200 if the handler wrote nothing.
func answered(status int) int {
	if status == 0 {
		return http.StatusOK
	}
	return status
}

// logEvent writes the "watch event" line of an event sent to a watcher.
func (o *eventWriter) logEvent(typ watch.EventType, obj runtime.Object) {
	attrs := []any{"resource", o.res.Resource, "type", string(typ)}
	if status, ok := obj.(*metav1.Status); ok {
		attrs = append(attrs, "code", status.Code, "message", status.Message)
	} else if m, err := meta.Accessor(obj); err == nil {
		if typ != watch.Bookmark {
			attrs = append(attrs, "object", objectKey(m))
		}
		attrs = append(attrs, "rv", m.GetResourceVersion())
	}
	attrs = append(attrs, "userAgent", o.r.UserAgent())
	o.s.log.Info("watch event", attrs...)
}

func objectKey(m metav1.Object) string {
	if m.GetNamespace() == "" {
		return m.GetName()
	}
	return m.GetNamespace() + "/" + m.GetName()
}

// measure records the request in kube-apiserver's own request metrics
// (k8s.io/apiserver's endpoints/metrics: apiserver_request_total,
// apiserver_request_duration_seconds, apiserver_response_sizes, …), with
// their labels as kube-apiserver sets them.
func (rl *requestLog) measure() {
	req := rl.resource
	if req == nil || rl.hijacked {
		return
	}
	gvr := req.resource.GroupVersionResource
	info := &apirequest.RequestInfo{IsResourceRequest: true, Verb: req.verb, Namespace: req.namespace, Name: req.name,
		APIGroup: gvr.Group, APIVersion: gvr.Version, Resource: gvr.Resource, Subresource: req.subresource}
	endpointsmetrics.MonitorRequest(rl.r, metricsVerb(req.verb), gvr.Group, gvr.Version, gvr.Resource, req.subresource,
		endpointsmetrics.CleanScope(info), "apiserver", false, "", answered(rl.status), rl.written, time.Since(rl.start))
}

// metricsVerb is the verb kube-apiserver's installer hands its metrics: the
// HTTP method for writes, LIST and WATCH for reads of collections.
func metricsVerb(verb string) string {
	switch verb {
	case "create":
		return http.MethodPost
	case "update":
		return http.MethodPut
	default:
		return strings.ToUpper(verb)
	}
}
