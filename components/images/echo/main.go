// Command echo is the kit's HTTP workload: it answers who served a request
// (pod, namespace, node, pod IP, hostname) and how many it has served, so
// specs can tell pods apart behind a Service, and its /healthz and /readyz
// turn bad on cue for liveness and readiness specs.
//
//	GET /         JSON {pod, namespace, node, podIP, hostname, count, path};
//	              one text line with ?format=text
//	GET /healthz  200 "ok"; 500 once $FAIL_LIVENESS_AFTER has passed since start
//	GET /readyz   503 until $READY_AFTER has passed since start, then 200 "ok"
//
// It listens on $PORT (default 8080; -port overrides) and reads who it is from
// $POD_NAME, $POD_NAMESPACE, $NODE_NAME and $POD_IP. It logs a startup line
// and one line per request to stdout, for `kubectl logs`. On SIGTERM or
// SIGINT it shuts down gracefully, within 5s, and exits 0.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// shutdownTimeout bounds the graceful shutdown on SIGTERM.
const shutdownTimeout = 5 * time.Second

// countHeader carries the request's count in the response, so a request log
// can show it.
const countHeader = "X-Echo-Count"

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hostname, _ := os.Hostname()
	if err := run(ctx, cfg, newServer(cfg, hostname, time.Now, os.Stdout)); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

// config is the server's settings, from the environment and flags.
type config struct {
	port                        int
	pod, namespace, node, podIP string
	failLivenessAfter           time.Duration // negative: never fail
	readyAfter                  time.Duration
}

// parseConfig reads the environment through getenv, then lets the flags in
// args override it.
func parseConfig(args []string, getenv func(string) string) (config, error) {
	cfg := config{
		port: 8080, failLivenessAfter: -1,
		pod: getenv("POD_NAME"), namespace: getenv("POD_NAMESPACE"),
		node: getenv("NODE_NAME"), podIP: getenv("POD_IP"),
	}
	var err error
	if v := getenv("PORT"); v != "" {
		if cfg.port, err = strconv.Atoi(v); err != nil {
			return config{}, fmt.Errorf("PORT=%q: not a port number", v)
		}
	}
	if cfg.failLivenessAfter, err = envDuration(getenv, "FAIL_LIVENESS_AFTER", -1); err != nil {
		return config{}, err
	}
	if cfg.readyAfter, err = envDuration(getenv, "READY_AFTER", 0); err != nil {
		return config{}, err
	}
	fs := flag.NewFlagSet("echo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&cfg.port, "port", cfg.port, "port to listen on (overrides $PORT)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q: usage: echo [-port N]", fs.Args())
	}
	if cfg.port < 0 || cfg.port > 65535 {
		return config{}, fmt.Errorf("port %d: want 1 to 65535 (or 0 for any)", cfg.port)
	}
	return cfg, nil
}

// envDuration parses the non-negative duration in $name, or returns def if
// it is unset.
func envDuration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s=%q: not a duration such as 500ms or 3s", name, v)
	}
	return d, nil
}

// server holds the handlers' state: who the pod is, when it started and the
// request counter.
type server struct {
	cfg      config
	hostname string
	now      func() time.Time
	start    time.Time
	count    atomic.Int64
	log      *log.Logger
}

func newServer(cfg config, hostname string, now func() time.Time, out io.Writer) *server {
	return &server{cfg: cfg, hostname: hostname, now: now, start: now(), log: log.New(out, "echo: ", 0)}
}

// handler routes the three endpoints and logs every request.
func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", s.echo)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	return s.logRequests(mux)
}

// reply is the answer of GET /.
type reply struct {
	Pod       string `json:"pod"`
	Namespace string `json:"namespace"`
	Node      string `json:"node"`
	PodIP     string `json:"podIP"`
	Hostname  string `json:"hostname"`
	Count     int64  `json:"count"`
	Path      string `json:"path"`
}

func (rep reply) String() string {
	return fmt.Sprintf("pod=%s namespace=%s node=%s podIP=%s hostname=%s count=%d path=%s",
		rep.Pod, rep.Namespace, rep.Node, rep.PodIP, rep.Hostname, rep.Count, rep.Path)
}

func (s *server) echo(w http.ResponseWriter, r *http.Request) {
	n := s.count.Add(1)
	w.Header().Set(countHeader, strconv.FormatInt(n, 10))
	rep := reply{
		Pod: s.cfg.pod, Namespace: s.cfg.namespace, Node: s.cfg.node, PodIP: s.cfg.podIP,
		Hostname: s.hostname, Count: n, Path: r.URL.Path,
	}
	if r.URL.Query().Get("format") == "text" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, rep)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(rep)
}

func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	after := s.cfg.failLivenessAfter
	if after >= 0 && s.uptime() >= after {
		http.Error(w, fmt.Sprintf("failing: FAIL_LIVENESS_AFTER=%s has passed", after), http.StatusInternalServerError)
		return
	}
	io.WriteString(w, "ok")
}

func (s *server) readyz(w http.ResponseWriter, _ *http.Request) {
	if left := s.cfg.readyAfter - s.uptime(); left > 0 {
		http.Error(w, fmt.Sprintf("not ready: READY_AFTER=%s, ready in %s", s.cfg.readyAfter, left), http.StatusServiceUnavailable)
		return
	}
	io.WriteString(w, "ok")
}

func (s *server) uptime() time.Duration {
	return s.now().Sub(s.start)
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (rec *statusRecorder) WriteHeader(code int) {
	if rec.status == 0 {
		rec.status = code
	}
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *statusRecorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return rec.ResponseWriter.Write(b)
}

// logRequests logs one line per request: method, path, client, status and,
// for GET /, the count.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		line := fmt.Sprintf("%s %s from %s -> %d", r.Method, r.URL.Path, r.RemoteAddr, rec.status)
		if n := w.Header().Get(countHeader); n != "" {
			line += " (count " + n + ")"
		}
		s.log.Print(line)
	})
}

// run listens on the configured port and serves until ctx ends.
func run(ctx context.Context, cfg config, s *server) error {
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(cfg.port))
	if err != nil {
		return fmt.Errorf("listen on port %d: %w", cfg.port, err)
	}
	return serve(ctx, ln, s)
}

// serve serves s on ln until ctx ends, then shuts down gracefully: requests
// in flight get shutdownTimeout to finish before their connections close.
func serve(ctx context.Context, ln net.Listener, s *server) error {
	srv := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Printf("serving on :%d as pod %s in %s on node %s",
		ln.Addr().(*net.TCPAddr).Port, orDash(s.cfg.pod), orDash(s.cfg.namespace), orDash(s.cfg.node))

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Print("terminating")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		s.log.Printf("requests still running after %s, closing their connections", shutdownTimeout)
		srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// orDash shows an unset value in a log line as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
