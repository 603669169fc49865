// Command forwarder holds one Service's ClusterIP: started by the node
// proxies' leader (components/proxy) as a container with that fixed IP on
// the cluster network, it listens on the Service's ports and relays each TCP
// connection to one of the Service's ready endpoints — the userspace proxy
// of early Kubernetes, one per Service, without privileges or iptables.
//
//	forwarder -api https://apiserver:6443 -namespace NS -service NAME
//	          -port 80:http [-port 443:https] [-affinity 3h]
//	          [-ca-file ca.crt -cert-file client.crt -key-file client.key]
//
// Each -port is <service port>:<port name> (the name may be empty). It
// lists and watches the Service's EndpointSlices (label
// kubernetes.io/service-name) over the API's JSON, and follows them without
// touching connections already relayed. A connection that finds no ready
// endpoint is reset at once. -affinity > 0 is ClientIP session affinity
// with that timeout. -ca-file is the CA the API server's certificate is
// checked against, -cert-file and -key-file the client certificate the
// forwarder authenticates with (the proxies' leader copies its own in).
//
// Why it watches the API itself, and over plain JSON: a forwarder fed by the
// proxies would need the leader to reach every forwarder and to re-feed a
// restarted one; watching its own Service's slices, it needs nothing but
// the API server's address. And why not client-go: one forwarder runs per
// Service and every container start may copy its image, and the same
// informer built with client-go is a 29.5 MB static binary, where this
// one, standard library only, is 6.4 MB (both -trimpath -ldflags "-s -w").
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ownkube/ownkube/components/proxy/relay"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stdout, nil))
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "forwarder:", err)
		os.Exit(2)
	}
	if err := run(ctx, cfg, log); err != nil {
		fmt.Fprintln(os.Stderr, "forwarder:", err)
		os.Exit(1)
	}
}

// config is what the forwarder serves.
type config struct {
	api, namespace, service string
	// caFile, certFile and keyFile are the TLS files of an API server
	// that authenticates its clients; empty for plain HTTP.
	caFile, certFile, keyFile string
	ports                     []servicePort
	affinity                  time.Duration
}

// servicePort is one port of the Service: the port listened on, and the
// name its EndpointSlice ports carry.
type servicePort struct {
	port int
	name string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	var ports multiFlag
	fs := flag.NewFlagSet("forwarder", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.api, "api", "https://apiserver:6443", "URL of the API server")
	fs.StringVar(&cfg.namespace, "namespace", "", "the Service's namespace")
	fs.StringVar(&cfg.service, "service", "", "the Service's name")
	fs.Var(&ports, "port", "<service port>:<port name>, once per port of the Service")
	fs.DurationVar(&cfg.affinity, "affinity", 0, "ClientIP session affinity timeout; 0 none")
	fs.StringVar(&cfg.caFile, "ca-file", "", "CA (PEM) the API server's certificate is checked against")
	fs.StringVar(&cfg.certFile, "cert-file", "", "client certificate (PEM) to authenticate to the API server with")
	fs.StringVar(&cfg.keyFile, "key-file", "", "private key (PEM) of -cert-file")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if cfg.namespace == "" || cfg.service == "" || len(ports) == 0 {
		return config{}, fmt.Errorf("give -namespace, -service and at least one -port")
	}
	for _, p := range ports {
		num, name, _ := strings.Cut(p, ":")
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > 65535 {
			return config{}, fmt.Errorf("-port %q: want <port 1-65535>:<name>", p)
		}
		cfg.ports = append(cfg.ports, servicePort{port: n, name: name})
	}
	return cfg, nil
}

// apiClient is the HTTP client of the API server: plain, or with the TLS
// files cfg names.
func apiClient(cfg config) (http.Client, error) {
	if cfg.caFile == "" && cfg.certFile == "" && cfg.keyFile == "" {
		return http.Client{}, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.caFile != "" {
		ca, err := os.ReadFile(cfg.caFile)
		if err != nil {
			return http.Client{}, fmt.Errorf("read -ca-file: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(ca) {
			return http.Client{}, fmt.Errorf("-ca-file %s holds no PEM certificate", cfg.caFile)
		}
	}
	if cfg.certFile != "" || cfg.keyFile != "" {
		pair, err := tls.LoadX509KeyPair(cfg.certFile, cfg.keyFile)
		if err != nil {
			return http.Client{}, fmt.Errorf("load -cert-file and -key-file: %w", err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tc
	return http.Client{Transport: transport}, nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// run listens on every port, then follows the Service's endpoints until ctx
// ends.
func run(ctx context.Context, cfg config, log *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	balancers := map[string]*relay.Balancer{}
	errs := make(chan error, len(cfg.ports))
	for _, p := range cfg.ports {
		ln, err := net.Listen("tcp", fmt.Sprintf(":%d", p.port))
		if err != nil {
			return fmt.Errorf("listen on port %d: %w", p.port, err)
		}
		b := relay.NewBalancer(cfg.affinity)
		balancers[p.name] = b
		go func() { errs <- relay.Serve(ctx, ln, b, log.With("port", p.port)) }()
	}
	client, err := apiClient(cfg)
	if err != nil {
		return err
	}
	log.Info("forwarder running", "service", cfg.namespace+"/"+cfg.service, "ports", len(cfg.ports))
	w := &watcher{cfg: cfg, log: log, client: client, apply: func(s map[string]slice) {
		for name, b := range balancers {
			eps := readyEndpoints(s, name)
			b.Update(eps, cfg.affinity)
			log.Info("endpoints", "port", name, "ready", eps)
		}
	}}
	go w.run(ctx)
	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
		return nil
	}
}
