// Package apiservertest runs a real API server in-process, over a real
// embedded etcd, for tests that need the API but not Docker.
package apiservertest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ownkube/ownkube/components/apiserver"
	"github.com/ownkube/ownkube/components/etcd/etcdtest"
	"github.com/ownkube/ownkube/components/storage"
)

// Server is a running API server and what a test needs to reach it.
type Server struct {
	URL    string
	Config *rest.Config
	Client kubernetes.Interface
	Etcd   *etcdtest.Server
}

// Options tune the server for a test.
type Options struct {
	// CompactionInterval makes old revisions expire; 0 never.
	CompactionInterval time.Duration
	// WithoutLoops serves the API without the server's background loop
	// (compaction), so that nothing but the test's own requests writes to
	// etcd.
	WithoutLoops bool
	// ServiceNodePortRange narrows the node ports ("30000-30009"); empty
	// is the default range.
	ServiceNodePortRange string
	// Log receives the server's log lines; nil discards them. LogRequests
	// adds a line per request and per watch event (Config.LogRequests).
	Log         io.Writer
	LogRequests bool
	// WatchSilenceTimeout ends watches whose etcd stream is quiet that
	// long (Config.WatchSilenceTimeout); the embedded etcd sends progress
	// every second.
	WatchSilenceTimeout time.Duration
	// Profiling serves /debug/pprof/ (Config.Profiling).
	Profiling bool
}

// Start starts etcd and the API server; both stop when tb ends.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	etcd := etcdtest.Start(tb)
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	s, err := apiserver.New(apiserver.Config{
		Store:                storage.New(etcd.Client),
		CompactionInterval:   opts.CompactionInterval,
		ServiceCIDR:          "10.96.0.0/16",
		AdvertiseAddress:     "127.0.0.1",
		ServiceNodePortRange: opts.ServiceNodePortRange,
		Logger:               slog.New(slog.NewTextHandler(opts.Log, nil)),
		LogRequests:          opts.LogRequests,
		WatchSilenceTimeout:  opts.WatchSilenceTimeout,
		Profiling:            opts.Profiling,
	})
	if err != nil {
		tb.Fatalf("new apiserver: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	start := s.Start
	if opts.WithoutLoops {
		start = s.Bootstrap
	}
	if err := start(ctx); err != nil {
		cancel()
		tb.Fatalf("start apiserver: %v", err)
	}
	ts := httptest.NewServer(s.Handler())
	tb.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		cancel()
	})
	cfg := &rest.Config{Host: ts.URL, QPS: -1}
	return &Server{URL: ts.URL, Config: cfg, Client: kubernetes.NewForConfigOrDie(cfg), Etcd: etcd}
}
