package apiserver

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/keymutex"

	"github.com/ownkube/ownkube/components/kit/exercise"
	"github.com/ownkube/ownkube/components/storage"
)

// Config configures a Server.
type Config struct {
	// Store is the etcd-backed store every resource lives in.
	Store *storage.Store
	// Address is where Run listens, host:port.
	Address string
	// CompactionInterval is how often etcd's history is compacted; 0 never.
	// Each compaction keeps one interval of history, so a revision expires
	// between one and two intervals after it was written.
	CompactionInterval time.Duration
	// ServiceCIDR is the range Services' cluster IPs come from.
	ServiceCIDR string
	// DefaultNotReadyTolerationSeconds and DefaultUnreachableTolerationSeconds
	// are the tolerationSeconds of the tolerations of
	// node.kubernetes.io/not-ready and unreachable (NoExecute) given to new
	// pods that lack them, as kube-apiserver's DefaultTolerationSeconds
	// admission does; 0 means the default, 300.
	DefaultNotReadyTolerationSeconds, DefaultUnreachableTolerationSeconds int64
	// AdvertiseAddress is the IP the `kubernetes` Service's endpoints name,
	// where the cluster's pods reach this server; empty is the address of
	// the host's default route, as kube-apiserver's --advertise-address.
	AdvertiseAddress string
	// ServiceNodePortRange is the range node ports come from, "30000-32767"
	// (DefaultNodePortRange) if empty.
	ServiceNodePortRange string
	// Logger receives the server's log lines; nil means slog's default.
	Logger *slog.Logger
	// LogRequests logs a line per request (verb, URI, code, latency, user
	// agent) and per watch event sent (resource, type, object,
	// resourceVersion, watcher), as kube-apiserver's httplog does at -v=3:
	// the API's side of an e2e spec's timeline.
	LogRequests bool
	// WatchSilenceTimeout ends a watch whose etcd stream has sent nothing,
	// not even a progress notification, for this long, so its client
	// watches again: a stream that broke without a word (etcd's client can
	// lose one across an etcd restart) costs a re-watch, not a deaf
	// informer. Set it to a few of etcd's --watch-progress-notify-interval;
	// 0 waits for ever.
	WatchSilenceTimeout time.Duration
	// Profiling serves Go's pprof profiles at /debug/pprof/, as
	// kube-apiserver's --profiling does.
	Profiling bool
	// TLSCertFile and TLSKeyFile are the serving certificate and its key
	// (PEM): given, the server speaks HTTPS only; empty, plain HTTP.
	TLSCertFile, TLSKeyFile string
	// ClientCAFile is the CA (PEM) whose client certificates authenticate
	// their users; empty, nothing is authenticated. It needs TLS.
	ClientCAFile string
}

// DefaultTolerationSeconds is the default of both toleration periods, as kube's.
const DefaultTolerationSeconds = 300

// Server serves the Kubernetes API from etcd.
type Server struct {
	cfg     Config
	store   *storage.Store
	log     *slog.Logger
	handler http.Handler
	// tls is the serving configuration, nil for plain HTTP.
	tls   *tls.Config
	ready atomic.Bool
	// nodePorts is the range NodePort Services' ports come from.
	nodePorts portRange
	// quotaLock holds a namespace's pod creations one at a time while it
	// has a ResourceQuota.
	quotaLock keymutex.KeyMutex
}

// New checks cfg and builds a server; Run starts it.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("apiserver: a Store is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.DefaultNotReadyTolerationSeconds = cmp.Or(cfg.DefaultNotReadyTolerationSeconds, DefaultTolerationSeconds)
	cfg.DefaultUnreachableTolerationSeconds = cmp.Or(cfg.DefaultUnreachableTolerationSeconds, DefaultTolerationSeconds)
	nodePorts, err := parsePortRange(cmp.Or(cfg.ServiceNodePortRange, DefaultNodePortRange))
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, store: cfg.Store, log: cfg.Logger, nodePorts: nodePorts, quotaLock: keymutex.NewHashed(quotaLocks)}
	h, err := s.routes()
	if err != nil {
		return nil, err
	}
	secured, err := s.secure(h)
	if err != nil {
		return nil, err
	}
	s.handler = s.logRequests(s.recoverPanics(secured))
	return s, nil
}

// Handler is the server's HTTP handler, for tests that serve it themselves.
func (s *Server) Handler() http.Handler { return s.handler }

// Start bootstraps the store and starts the server's own loops, which end
// with ctx. It returns once the server is ready to answer requests.
func (s *Server) Start(ctx context.Context) error {
	if err := s.Bootstrap(ctx); err != nil {
		return err
	}
	go s.compactLoop(ctx)
	go s.endpointsLoop(ctx)
	return nil
}

// Bootstrap creates what every cluster has from the start (the system
// namespaces) and marks the server ready. Start calls it; a test that wants
// the handlers without the background loops calls it alone.
func (s *Server) Bootstrap(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.bootstrap(ctx); err != nil {
		return err
	}
	s.ready.Store(true)
	return nil
}

// Run starts the server, listens on cfg.Address and serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Address)
	if err != nil {
		return fmt.Errorf("apiserver: listen on %s: %w", s.cfg.Address, err)
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, TLSConfig: s.TLSConfig(),
		// As kube-apiserver's --http2-max-streams-per-connection: a client
		// multiplexes all its watches on one connection.
		HTTP2: &http.HTTP2Config{MaxConcurrentStreams: 1000}}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		serve := srv.Serve
		if srv.TLSConfig != nil {
			serve = func(ln net.Listener) error { return srv.ServeTLS(ln, "", "") }
		}
		if err := serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("apiserver: serve: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		// However this ends, the listener must close, or Serve never returns.
		defer func() {
			shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(shutdown)
		}()
		if err := s.startWhenEtcdAnswers(ctx); err != nil {
			return err
		}
		s.log.Info("apiserver ready", "address", ln.Addr().String())
		<-ctx.Done()
		return nil
	})
	return g.Wait()
}

// startWhenEtcdAnswers retries Start while etcd is still coming up, as it
// is when both start together: /readyz answers 503 until then.
func (s *Server) startWhenEtcdAnswers(ctx context.Context) error {
	backoff := 100 * time.Millisecond
	for {
		err := s.Start(ctx)
		if err == nil {
			return nil
		}
		if exercise.IsNotImplemented(err) || apierrors.ReasonForError(err) == storage.ReasonNotImplemented {
			// No waiting will help: the store core is a stub. Serve anyway,
			// so that every request that reaches the store answers 501
			// naming the function to write, and what needs no store (415,
			// 413, discovery) works: a cluster that never comes up says
			// less, and would leave the specs of given code unrun.
			s.log.Error("the store core is a stub: serving, and every request that needs the store answers 501", "err", err)
			s.ready.Store(true)
			return nil
		}
		s.log.Warn("waiting for etcd", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// recoverPanics answers a handler's panic with a 500 Status and a logged
// stack, instead of a dropped connection: the panic is a bug to fix, but
// one bad request must not take the server down.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
				writeError(w, fmt.Errorf("internal error: %v", p))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
