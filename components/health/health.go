// Package health serves the two endpoints every component of the cluster
// answers, as Kubernetes' components do: /healthz, 200 while the process
// runs, and /readyz, 200 once the component can do its work. The cluster
// launcher waits on them (a scratch image has no shell to exec a check in).
package health

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"golang.org/x/sync/errgroup"
)

// Option adds to what Serve serves.
type Option func(*http.ServeMux)

// WithProfiling serves Go's pprof profiles at /debug/pprof/ when on, as
// Kubernetes' components do with --profiling.
func WithProfiling(on bool) Option {
	return func(mux *http.ServeMux) {
		if on {
			MountProfiling(mux)
		}
	}
}

// MountProfiling serves net/http/pprof's handlers on mux at /debug/pprof/:
// the index, every named profile (heap, goroutine, allocs, …), a CPU
// profile over ?seconds=N, an execution trace, and the command line.
func MountProfiling(mux *http.ServeMux) {
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
}

// Serve serves /healthz and /readyz on ln in g until ctx ends. ready
// answers nil when the component is ready, or why it is not, which /readyz
// returns with a 503. name labels the errors.
func Serve(ctx context.Context, g *errgroup.Group, ln net.Listener, name string, ready func() error, opts ...Option) {
	mux := http.NewServeMux()
	for _, opt := range opts {
		opt(mux)
	}
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := ready(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("%s: serve health: %w", name, err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	})
}

// Listen listens on address for Serve, naming name in its error.
func Listen(address, name string) (net.Listener, error) {
	ln, err := net.Listen("tcp", address)
	if err != nil {
		return nil, fmt.Errorf("%s: listen on %s: %w", name, address, err)
	}
	return ln, nil
}
