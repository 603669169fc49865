package dns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/sync/errgroup"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/ownkube/ownkube/components/health"
)

// Defaults of Config.
const (
	DefaultDomain          = "cluster.local"
	DefaultAddress         = ":53"
	DefaultWaitReportEvery = 10 * time.Second
	DefaultTTL             = 5
	DefaultUpstreamTimeout = 2 * time.Second
)

// Config configures a Server. The zero value of each optional field means
// its default.
type Config struct {
	// Client reaches the API server (required).
	Client kubernetes.Interface
	// Domain is the cluster domain the server is authoritative for.
	// Default DefaultDomain.
	Domain string
	// Address is where DNS is served, over UDP and TCP. Default ":53".
	// PacketConn and Listener, if set, are served instead (tests pass
	// sockets on random ports); set both or neither.
	Address    string
	PacketConn net.PacketConn
	Listener   net.Listener
	// HealthAddress, when set (host:port), serves /healthz, and /readyz
	// which answers 200 once the informers have synced. HealthListener, if
	// set, is served instead.
	HealthAddress  string
	HealthListener net.Listener
	// Profiling serves Go's pprof profiles at /debug/pprof/ on the health
	// address (--profiling).
	Profiling bool
	// Upstreams are the resolvers (host:port) names outside Domain are
	// forwarded to, tried in order. None: such names get SERVFAIL.
	Upstreams []string
	// UpstreamTimeout bounds each upstream's answer. Default 2s.
	UpstreamTimeout time.Duration
	// TTL of the cluster's records, in seconds. Default 5.
	TTL uint32
	// Logger; default slog.Default().
	Logger *slog.Logger
	// WaitReportEvery is how often, until the informers have synced, the
	// server logs what it waits for. Default 10s.
	WaitReportEvery time.Duration
}

// Server answers DNS for the cluster. It runs once.
type Server struct {
	cfg     Config
	zone    string // Domain as an FQDN: "cluster.local."
	log     *slog.Logger
	factory informers.SharedInformerFactory
	synced  []cache.InformerSynced
	store   store
	fwd     *forwarder
	ready   atomic.Bool
}

// New validates cfg and sets up the informers; nothing runs until Run.
func New(cfg Config) (*Server, error) {
	if cfg.Client == nil {
		return nil, errors.New("dns: Config.Client is required")
	}
	if (cfg.PacketConn == nil) != (cfg.Listener == nil) {
		return nil, errors.New("dns: set both Config.PacketConn and Config.Listener, or neither")
	}
	cfg.Domain = strings.Trim(strings.ToLower(cfg.Domain), ".")
	if cfg.Domain == "" {
		cfg.Domain = DefaultDomain
	}
	if _, ok := dns.IsDomainName(cfg.Domain); !ok {
		return nil, fmt.Errorf("dns: domain %q is not a domain name", cfg.Domain)
	}
	if cfg.Address == "" {
		cfg.Address = DefaultAddress
	}
	for _, u := range cfg.Upstreams {
		if _, _, err := net.SplitHostPort(u); err != nil {
			return nil, fmt.Errorf("dns: upstream %q is not host:port: %w", u, err)
		}
	}
	if cfg.UpstreamTimeout <= 0 {
		cfg.UpstreamTimeout = DefaultUpstreamTimeout
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.WaitReportEvery <= 0 {
		cfg.WaitReportEvery = DefaultWaitReportEvery
	}
	factory := informers.NewSharedInformerFactory(cfg.Client, 0)
	services := factory.Core().V1().Services()
	slices := factory.Discovery().V1().EndpointSlices()
	s := &Server{
		cfg:     cfg,
		zone:    dns.Fqdn(cfg.Domain),
		log:     cfg.Logger,
		factory: factory,
		synced:  []cache.InformerSynced{services.Informer().HasSynced, slices.Informer().HasSynced},
		store:   listerStore{services: services.Lister(), slices: slices.Lister()},
		fwd:     &forwarder{upstreams: cfg.Upstreams, timeout: cfg.UpstreamTimeout},
	}
	return s, nil
}

// waitForSync waits for the informers' first lists, and says every
// WaitReportEvery what stands in the way. client-go's streaming list
// retries an unreachable API server at log level 2 only, so without this
// a dns given a wrong --master would say nothing at all.
func (s *Server) waitForSync(ctx context.Context) bool {
	synced := make(chan bool, 1)
	go func() { synced <- cache.WaitForCacheSync(ctx.Done(), s.synced...) }()
	tick := time.NewTicker(s.cfg.WaitReportEvery)
	defer tick.Stop()
	for {
		select {
		case ok := <-synced:
			return ok
		case <-tick.C:
			if err := s.apiServerProblem(ctx); err != nil {
				s.log.Warn("dns: not ready: cannot reach the API server; check --master or --kubeconfig", "err", err)
			} else {
				s.log.Info("dns: not ready: waiting for the first list of Services and EndpointSlices")
			}
		}
	}
}

// apiServerProblem asks the API server for /readyz, bounded by one report
// interval, and says why it did not answer 200. A client without a REST
// client (client-go's fake) has none to report.
func (s *Server) apiServerProblem(ctx context.Context) error {
	rc := s.cfg.Client.Discovery().RESTClient()
	if rc == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.WaitReportEvery)
	defer cancel()
	return rc.Get().AbsPath("/readyz").Do(ctx).Error()
}

// Run serves DNS (and health) until ctx ends, then shuts down and returns
// nil; it returns an error if a socket cannot be opened or fails.
func (s *Server) Run(ctx context.Context) error {
	udp, tcp, err := s.sockets()
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	if err := s.serveHealth(ctx, g); err != nil {
		udp.Close()
		tcp.Close()
		return err
	}
	s.factory.Start(ctx.Done())
	defer s.factory.Shutdown()
	g.Go(func() error {
		if !s.waitForSync(ctx) {
			return nil // ctx ended first
		}
		s.ready.Store(true)
		s.log.Info("dns ready", "domain", s.cfg.Domain, "udp", udp.LocalAddr().String(), "tcp", tcp.Addr().String(), "upstreams", s.cfg.Upstreams)
		return nil
	})
	for _, srv := range []*dns.Server{
		{PacketConn: udp, Handler: s, Net: "udp"},
		{Listener: tcp, Handler: s, Net: "tcp", ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second},
	} {
		g.Go(func() error {
			if err := srv.ActivateAndServe(); err != nil && ctx.Err() == nil {
				return fmt.Errorf("dns: serve %s: %w", srv.Net, err)
			}
			return nil
		})
		g.Go(func() error {
			<-ctx.Done()
			shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.ShutdownContext(shutdown); err != nil {
				s.log.Warn("dns: shut down", "net", srv.Net, "err", err)
			}
			return nil
		})
	}
	return g.Wait()
}

// sockets are the configured ones or, failing those, UDP and TCP on Address.
func (s *Server) sockets() (net.PacketConn, net.Listener, error) {
	if s.cfg.PacketConn != nil {
		return s.cfg.PacketConn, s.cfg.Listener, nil
	}
	udp, err := net.ListenPacket("udp", s.cfg.Address)
	if err != nil {
		return nil, nil, fmt.Errorf("dns: listen on udp %s: %w", s.cfg.Address, err)
	}
	tcp, err := net.Listen("tcp", s.cfg.Address)
	if err != nil {
		udp.Close()
		return nil, nil, fmt.Errorf("dns: listen on tcp %s: %w", s.cfg.Address, err)
	}
	return udp, tcp, nil
}

// ServeDNS answers one query: from the informers' caches for names under
// the cluster domain, from the upstreams for the others.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	resp := s.answer(w.RemoteAddr().Network(), req)
	if _, udp := w.RemoteAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = max(int(opt.UDPSize()), dns.MinMsgSize)
		}
		resp.Truncate(size)
	}
	if err := w.WriteMsg(resp); err != nil {
		s.log.Debug("dns: write answer", "err", err)
	}
}

func (s *Server) answer(network string, req *dns.Msg) *dns.Msg {
	if len(req.Question) != 1 || req.Opcode != dns.OpcodeQuery {
		return new(dns.Msg).SetRcode(req, dns.RcodeNotImplemented)
	}
	q := req.Question[0]
	if q.Qclass != dns.ClassINET || !dns.IsSubDomain(s.zone, strings.ToLower(q.Name)) {
		return s.fwd.forward(network, req)
	}
	resp := new(dns.Msg).SetReply(req)
	resp.Authoritative, resp.RecursionAvailable = true, true
	if opt := req.IsEdns0(); opt != nil {
		resp.SetEdns0(max(opt.UDPSize(), dns.MinMsgSize), false)
	}
	if !s.ready.Load() {
		resp.Rcode = dns.RcodeServerFailure
		return resp
	}
	r := s.resolver().resolve(q)
	resp.Rcode, resp.Answer, resp.Extra = r.rcode, r.answer, append(r.extra, resp.Extra...)
	if len(resp.Answer) == 0 {
		resp.Ns = []dns.RR{soaRecord(s.zone, s.cfg.TTL)}
	}
	return resp
}

func (s *Server) resolver() *resolver {
	return &resolver{zone: s.zone, ttl: s.cfg.TTL, store: s.store, fwd: s.fwd}
}

// soaRecord is zone's SOA record, put in the authority section of negative
// answers so resolvers know how long to cache them (its minimum TTL).
func soaRecord(zone string, ttl uint32) dns.RR {
	return &dns.SOA{
		Hdr:     dns.RR_Header{Name: zone, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: ttl},
		Ns:      "ns.dns." + zone,
		Mbox:    "hostmaster." + zone,
		Serial:  uint32(time.Now().Unix()),
		Refresh: 7200, Retry: 1800, Expire: 86400, Minttl: ttl,
	}
}

// serveHealth serves /healthz and /readyz until ctx ends, if asked to.
func (s *Server) serveHealth(ctx context.Context, g *errgroup.Group) error {
	ln := s.cfg.HealthListener
	if ln == nil {
		if s.cfg.HealthAddress == "" {
			return nil
		}
		var err error
		if ln, err = health.Listen(s.cfg.HealthAddress, "dns"); err != nil {
			return err
		}
	}
	health.Serve(ctx, g, ln, "dns", func() error {
		if !s.ready.Load() {
			return errors.New("informers not synced")
		}
		return nil
	}, health.WithProfiling(s.cfg.Profiling))
	return nil
}
