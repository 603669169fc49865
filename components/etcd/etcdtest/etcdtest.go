// Package etcdtest starts a real, embedded etcd server on loopback ports for
// in-process tests: no Docker, no binary, gone when the test ends.
package etcdtest

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// MaxRequestBytes is the largest request etcd takes, set above the API
// server's 3 MiB body limit so that any body the server accepts can be stored.
const MaxRequestBytes = 4 << 20

// Server is an embedded etcd and a client connected to it.
type Server struct {
	Endpoint string
	Client   *clientv3.Client
	etcd     *embed.Etcd
}

// Start starts etcd in a temporary directory and stops it when tb ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := StartIn(tb.TempDir())
	if err != nil {
		tb.Fatalf("start embedded etcd: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// StartIn starts etcd with its data in dir; Close stops it.
func StartIn(dir string) (*Server, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ { // a free port may be taken between probe and bind
		s, err := start(dir)
		if err == nil {
			return s, nil
		}
		lastErr = err
		_ = os.RemoveAll(dir + "/etcd")
	}
	return nil, lastErr
}

func start(dir string) (*Server, error) {
	clientURL, peerURL := freeURL(), freeURL()
	cfg := embed.NewConfig()
	cfg.Name = "etcdtest"
	cfg.Dir = dir + "/etcd"
	cfg.LogLevel = "error"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{clientURL}, []url.URL{clientURL}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peerURL}, []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.WatchProgressNotifyInterval = time.Second
	cfg.MaxRequestBytes = MaxRequestBytes
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("start etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		e.Close()
		return nil, fmt.Errorf("etcd was not ready within 30s")
	}
	endpoint := clientURL.String()
	client, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second, Logger: zap.NewNop(),
		MaxCallSendMsgSize: 2 * MaxRequestBytes})
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("connect to etcd: %w", err)
	}
	return &Server{Endpoint: endpoint, Client: client, etcd: e}, nil
}

// Close stops the client and the server.
func (s *Server) Close() {
	_ = s.Client.Close()
	s.etcd.Close()
}

// freeURL names a loopback port that was free a moment ago.
func freeURL() url.URL {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("no free loopback port: %v", err))
	}
	defer l.Close()
	return url.URL{Scheme: "http", Host: l.Addr().String()}
}
