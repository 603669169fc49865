// Package apiservertest runs a real API server in-process, over a real
// embedded etcd, for tests that need the API but not Docker.
package apiservertest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ownkube/ownkube/components/apiserver"
	"github.com/ownkube/ownkube/components/etcd/etcdtest"
	"github.com/ownkube/ownkube/components/pki"
	"github.com/ownkube/ownkube/components/storage"
)

// Server is a running API server and what a test needs to reach it.
type Server struct {
	URL    string
	Config *rest.Config
	Client kubernetes.Interface
	Etcd   *etcdtest.Server
	// CA signed the server's certificate and authenticates its clients;
	// nil unless Options.TLS. Config then carries its admin's certificate.
	CA *pki.CA
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
	// TLS serves HTTPS with a CA of the test's own, authenticating client
	// certificates it signed (Config.ClientCAFile), as a cluster's API
	// server does; Server.Config is the admin's.
	TLS bool
}

// Start starts etcd and the API server; both stop when tb ends.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	etcd := etcdtest.Start(tb)
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	cfg := apiserver.Config{
		Store:                storage.New(etcd.Client),
		CompactionInterval:   opts.CompactionInterval,
		ServiceCIDR:          "10.96.0.0/16",
		AdvertiseAddress:     "127.0.0.1",
		ServiceNodePortRange: opts.ServiceNodePortRange,
		Logger:               slog.New(slog.NewTextHandler(opts.Log, nil)),
		LogRequests:          opts.LogRequests,
		WatchSilenceTimeout:  opts.WatchSilenceTimeout,
		Profiling:            opts.Profiling,
	}
	var ca *pki.CA
	if opts.TLS {
		ca = secure(tb, &cfg)
	}
	s, err := apiserver.New(cfg)
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
	ts := httptest.NewUnstartedServer(s.Handler())
	if tlsConfig := s.TLSConfig(); tlsConfig != nil {
		ts.TLS = tlsConfig
		ts.StartTLS()
	} else {
		ts.Start()
	}
	tb.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		cancel()
	})
	rc := &rest.Config{Host: ts.URL, QPS: -1}
	if ca != nil {
		admin, err := ca.ClientCert(pki.AdminUser, pki.MastersGroup)
		if err != nil {
			tb.Fatal(err)
		}
		rc.TLSClientConfig = rest.TLSClientConfig{CAData: ca.CertPEM(), CertData: admin.Cert, KeyData: admin.Key}
	}
	return &Server{URL: ts.URL, Config: rc, Client: kubernetes.NewForConfigOrDie(rc), Etcd: etcd, CA: ca}
}

// secure makes a CA and a serving certificate for 127.0.0.1 and names
// them in cfg.
func secure(tb testing.TB, cfg *apiserver.Config) *pki.CA {
	tb.Helper()
	ca, err := pki.NewCA("apiservertest-ca")
	if err != nil {
		tb.Fatal(err)
	}
	serving, err := ca.ServingCert("kube-apiserver", []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	if err := pki.WriteCA(dir, ca); err != nil {
		tb.Fatal(err)
	}
	if err := pki.WriteKeyPair(dir, "apiserver", serving); err != nil {
		tb.Fatal(err)
	}
	cfg.TLSCertFile, cfg.TLSKeyFile = filepath.Join(dir, "apiserver.crt"), filepath.Join(dir, "apiserver.key")
	cfg.ClientCAFile = filepath.Join(dir, pki.CACertFile)
	return ca
}
