package kubelet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// serveLogs serves the kubelet's API for the API server: GET
// /containerLogs/<namespace>/<pod>/<container>, the path it proxies
// pods/log to (kubectl logs), with the query parameters follow, tailLines,
// timestamps and previous; and the streaming endpoints of streaming.go.
func (k *Kubelet) serveLogs(ctx context.Context) (*http.Server, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", k.handleLogs)
	k.streamingRoutes(mux)
	if rs, ok := k.source.(routeSource); ok {
		rs.Routes(mux)
		mux.HandleFunc("GET /pods/{namespace}/{pod}/log", k.handlePodLog)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	ln, err := net.Listen("tcp", k.cfg.LogAddress)
	if err != nil {
		return nil, fmt.Errorf("kubelet: serve logs on %s: %w", k.cfg.LogAddress, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			k.log.Error("log server stopped", "err", err)
		}
	}()
	return srv, nil
}

func (k *Kubelet) handleLogs(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("namespace") + "/" + r.PathValue("pod")
	pod := k.source.Pod(key)
	if pod == nil {
		http.Error(w, fmt.Sprintf("pod %s is not on node %s", key, k.cfg.NodeName), http.StatusNotFound)
		return
	}
	k.serveContainerLogs(w, r, pod, r.PathValue("container"))
}

// handlePodLog serves GET /pods/{namespace}/{pod}/log?container=NAME (the
// pod's first container if none is named), the push node's path of
// kubectl's pods/log, with the same query parameters as /containerLogs.
func (k *Kubelet) handlePodLog(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("namespace") + "/" + r.PathValue("pod")
	pod := k.source.Pod(key)
	if pod == nil {
		writeStatus(w, notFound(key, k.cfg.NodeName))
		return
	}
	name := r.URL.Query().Get("container")
	if name == "" && len(pod.Spec.Containers) > 0 {
		name = pod.Spec.Containers[0].Name
	}
	k.serveContainerLogs(w, r, pod, name)
}

func (k *Kubelet) serveContainerLogs(w http.ResponseWriter, r *http.Request, pod *corev1.Pod, name string) {
	key := pod.Namespace + "/" + pod.Name
	observed, err := k.observe(r.Context(), pod)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	q := r.URL.Query()
	c := observed.Latest(name)
	if q.Get("previous") == "true" && c != nil {
		c = previousAttempt(observed.Containers, name, c.RestartCount)
	}
	if c == nil {
		http.Error(w, fmt.Sprintf("container %q in pod %s has not run yet (or that attempt is gone)", name, key), http.StatusBadRequest)
		return
	}
	tail, _ := strconv.ParseInt(q.Get("tailLines"), 10, 64)
	opts := LogOptions{Follow: q.Get("follow") == "true", TailLines: tail, Timestamps: q.Get("timestamps") == "true"}
	w.Header().Set("Content-Type", "text/plain")
	if err := k.runtime.Logs(r.Context(), c.ID, opts, flushWriter{w}); err != nil && r.Context().Err() == nil {
		k.log.Warn("container logs", "pod", key, "container", name, "err", err)
	}
}

// flushWriter flushes after every write, so followed logs arrive at once.
type flushWriter struct{ w http.ResponseWriter }

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	_ = http.NewResponseController(f.w).Flush()
	return n, err
}

func logPort(addr string) int {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 10250
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return 10250
	}
	return n
}

func kernelVersion() string {
	data, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}
