package dns_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	clusterdns "github.com/ownkube/ownkube/components/dns"
)

func service(name string, mutate func(*corev1.Service)) *corev1.Service {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeClusterIP,
			Ports: []corev1.ServicePort{
				{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP},
				{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP},
			},
		},
	}
	mutate(svc)
	return svc
}

func headless(name string) *corev1.Service {
	return service(name, func(s *corev1.Service) {
		s.Spec.ClusterIP, s.Spec.ClusterIPs = corev1.ClusterIPNone, []string{corev1.ClusterIPNone}
		s.Spec.Ports = []corev1.ServicePort{{Name: "pg", Port: 5432, Protocol: corev1.ProtocolTCP}}
	})
}

// endpoint is an endpoint of a slice; ready nil leaves the condition unset.
type endpoint struct {
	ip, hostname string
	ready        *bool
}

func slice(name, svc string, ports []discoveryv1.EndpointPort, eps ...endpoint) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default",
			Labels: map[string]string{discoveryv1.LabelServiceName: svc}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       ports,
	}
	for _, e := range eps {
		ep := discoveryv1.Endpoint{Addresses: []string{e.ip}, Conditions: discoveryv1.EndpointConditions{Ready: e.ready}}
		if e.hostname != "" {
			ep.Hostname = ptr.To(e.hostname)
		}
		s.Endpoints = append(s.Endpoints, ep)
	}
	return s
}

var pgPort = []discoveryv1.EndpointPort{{Name: ptr.To("pg"), Port: ptr.To[int32](5432), Protocol: ptr.To(corev1.ProtocolTCP)}}

// objects is the cluster the table below asks about.
func objects() []runtime.Object {
	return []runtime.Object{
		service("web", func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.96.0.20", []string{"10.96.0.20"} }),
		headless("db"),
		// Two slices: ready, ready by default (unset), not ready, and one
		// address in both slices, answered once.
		slice("db-a", "db", pgPort, endpoint{ip: "10.0.0.1", hostname: "db-0", ready: ptr.To(true)},
			endpoint{ip: "10.0.0.2"}, endpoint{ip: "10.0.0.3", ready: ptr.To(false)}),
		slice("db-b", "db", pgPort, endpoint{ip: "10.0.0.4", ready: ptr.To(true)}, endpoint{ip: "10.0.0.2"}),
		// A slice of another Service, in the same namespace.
		slice("other", "web", pgPort, endpoint{ip: "10.0.9.9", ready: ptr.To(true)}),
		headless("empty"),
		slice("empty-a", "empty", pgPort, endpoint{ip: "10.0.1.1", ready: ptr.To(false)}),
		headless("portless"),
		slice("portless-a", "portless", nil, endpoint{ip: "10.0.2.1", ready: ptr.To(true)}),
		service("alias", func(s *corev1.Service) {
			s.Spec.Type, s.Spec.ExternalName, s.Spec.Ports = corev1.ServiceTypeExternalName, "web.default.svc.cluster.local", nil
		}),
		service("outside", func(s *corev1.Service) {
			s.Spec.Type, s.Spec.ExternalName, s.Spec.Ports = corev1.ServiceTypeExternalName, "example.org", nil
		}),
	}
}

// upstream serves example.org A 192.0.2.1 and NXDOMAIN for anything else,
// on a random UDP and TCP port of 127.0.0.1.
func upstream(t *testing.T) string {
	t.Helper()
	pc, ln := listen(t)
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg).SetReply(req)
		if q := req.Question[0]; strings.EqualFold(q.Name, "example.org.") && q.Qtype == dns.TypeA {
			rr, _ := dns.NewRR("example.org. 60 IN A 192.0.2.1")
			m.Answer = []dns.RR{rr}
		} else {
			m.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	})
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: handler}, {Listener: ln, Handler: handler}} {
		go func() { _ = srv.ActivateAndServe() }()
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	return pc.LocalAddr().String()
}

// listen opens UDP and TCP on one random port of 127.0.0.1.
func listen(t *testing.T) (net.PacketConn, net.Listener) {
	t.Helper()
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln
		}
		pc.Close()
	}
	t.Fatal("no port free for both UDP and TCP")
	return nil, nil
}

type running struct {
	addr, health string
	client       kubernetes.Interface
}

// start runs a server over client and waits until it is ready.
func start(t *testing.T, client kubernetes.Interface, upstreams ...string) running {
	t.Helper()
	pc, ln := listen(t)
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := clusterdns.New(clusterdns.Config{
		Client: client, PacketConn: pc, Listener: ln, HealthListener: hl,
		Upstreams: upstreams, UpstreamTimeout: 300 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return within 10s of its context ending")
		}
	})
	r := running{addr: pc.LocalAddr().String(), health: "http://" + hl.Addr().String(), client: client}
	waitFor(t, 10*time.Second, "readyz to answer 200", func() bool { return httpStatus(r.health+"/readyz") == http.StatusOK })
	return r
}

func httpStatus(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitFor polls cond every 20ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func query(t *testing.T, addr, network, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	c := &dns.Client{Net: network, Timeout: 3 * time.Second}
	resp, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("query %s %s over %s: %v", name, dns.TypeToString[qtype], network, err)
	}
	return resp
}

// short renders records without their names' header: "A 10.0.0.1",
// "SRV 0 50 5432 db-0.db.default.svc.cluster.local.", sorted.
func short(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		var s string
		switch rr := rr.(type) {
		case *dns.A:
			s = "A " + rr.A.String()
		case *dns.SRV:
			s = fmt.Sprintf("SRV %d %d %d %s", rr.Priority, rr.Weight, rr.Port, rr.Target)
		case *dns.CNAME:
			s = "CNAME " + rr.Target
		case *dns.SOA:
			s = "SOA " + rr.Hdr.Name
		default:
			s = rr.String()
		}
		if rr.Header().Ttl != 5 && rr.Header().Name != "example.org." {
			s += fmt.Sprintf(" ttl=%d", rr.Header().Ttl)
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func named(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		out = append(out, rr.Header().Name+" "+short([]dns.RR{rr})[0])
	}
	slices.Sort(out)
	return out
}

func TestAnswers(t *testing.T) {
	r := start(t, fake.NewClientset(objects()...), upstream(t))
	const zone = "svc.cluster.local"
	for _, tc := range []struct {
		name   string
		qtype  uint16
		rcode  int
		answer []string
		extra  []string // with names
	}{
		{name: "web.default." + zone, qtype: dns.TypeA, answer: []string{"A 10.96.0.20"}},
		{name: "WEB.Default.Svc.Cluster.Local", qtype: dns.TypeA, answer: []string{"A 10.96.0.20"}},
		{name: "web.default." + zone, qtype: dns.TypeAAAA, answer: nil},
		{name: "web.default." + zone, qtype: dns.TypeTXT, answer: nil},
		{name: "_http._tcp.web.default." + zone, qtype: dns.TypeSRV,
			answer: []string{"SRV 0 100 80 web.default.svc.cluster.local."},
			extra:  []string{"web.default.svc.cluster.local. A 10.96.0.20"}},
		{name: "_dns._udp.web.default." + zone, qtype: dns.TypeSRV, answer: []string{"SRV 0 100 53 web.default.svc.cluster.local."},
			extra: []string{"web.default.svc.cluster.local. A 10.96.0.20"}},
		{name: "_dns._tcp.web.default." + zone, qtype: dns.TypeSRV, rcode: dns.RcodeNameError},
		{name: "_nope._tcp.web.default." + zone, qtype: dns.TypeSRV, rcode: dns.RcodeNameError},
		{name: "web.default." + zone, qtype: dns.TypeSRV, answer: []string{
			"SRV 0 50 53 web.default.svc.cluster.local.", "SRV 0 50 80 web.default.svc.cluster.local."},
			extra: []string{"web.default.svc.cluster.local. A 10.96.0.20"}},
		{name: "db.default." + zone, qtype: dns.TypeA, answer: []string{"A 10.0.0.1", "A 10.0.0.2", "A 10.0.0.4"}},
		{name: "_pg._tcp.db.default." + zone, qtype: dns.TypeSRV, answer: []string{
			"SRV 0 33 5432 10-0-0-2.db.default.svc.cluster.local.",
			"SRV 0 33 5432 10-0-0-4.db.default.svc.cluster.local.",
			"SRV 0 33 5432 db-0.db.default.svc.cluster.local."},
			extra: []string{
				"10-0-0-2.db.default.svc.cluster.local. A 10.0.0.2",
				"10-0-0-4.db.default.svc.cluster.local. A 10.0.0.4",
				"db-0.db.default.svc.cluster.local. A 10.0.0.1"}},
		{name: "db-0.db.default." + zone, qtype: dns.TypeA, answer: []string{"A 10.0.0.1"}},
		{name: "10-0-0-4.db.default." + zone, qtype: dns.TypeA, answer: []string{"A 10.0.0.4"}},
		{name: "10-0-0-3.db.default." + zone, qtype: dns.TypeA, rcode: dns.RcodeNameError},
		{name: "empty.default." + zone, qtype: dns.TypeA, rcode: dns.RcodeNameError},
		{name: "portless.default." + zone, qtype: dns.TypeA, answer: []string{"A 10.0.2.1"}},
		{name: "portless.default." + zone, qtype: dns.TypeSRV, answer: nil},
		{name: "alias.default." + zone, qtype: dns.TypeA,
			answer: []string{"A 10.96.0.20", "CNAME web.default.svc.cluster.local."}},
		{name: "alias.default." + zone, qtype: dns.TypeCNAME, answer: []string{"CNAME web.default.svc.cluster.local."}},
		{name: "outside.default." + zone, qtype: dns.TypeA, answer: []string{"A 192.0.2.1", "CNAME example.org."}},
		{name: "nothere.default." + zone, qtype: dns.TypeA, rcode: dns.RcodeNameError},
		{name: "web.otherns." + zone, qtype: dns.TypeA, rcode: dns.RcodeNameError},
		{name: "a.b.web.default." + zone, qtype: dns.TypeA, rcode: dns.RcodeNameError},
		{name: "web.default.cluster.local", qtype: dns.TypeA, rcode: dns.RcodeNameError},
		{name: "default." + zone, qtype: dns.TypeA, answer: nil},
		{name: "cluster.local", qtype: dns.TypeA, answer: nil},
		{name: "cluster.local", qtype: dns.TypeSOA, answer: []string{"SOA cluster.local."}},
		{name: "10-0-3-7.default.pod.cluster.local", qtype: dns.TypeA, answer: []string{"A 10.0.3.7"}},
		{name: "not-an-ip.default.pod.cluster.local", qtype: dns.TypeA, rcode: dns.RcodeNameError},
		{name: "example.org", qtype: dns.TypeA, answer: []string{"A 192.0.2.1"}},
		{name: "nowhere.example.org", qtype: dns.TypeA, rcode: dns.RcodeNameError},
	} {
		for _, network := range []string{"udp", "tcp"} {
			t.Run(network+" "+tc.name+" "+dns.TypeToString[tc.qtype], func(t *testing.T) {
				resp := query(t, r.addr, network, tc.name, tc.qtype)
				if resp.Rcode != tc.rcode {
					t.Fatalf("rcode %s, want %s", dns.RcodeToString[resp.Rcode], dns.RcodeToString[tc.rcode])
				}
				if got := short(resp.Answer); !slices.Equal(got, tc.answer) {
					t.Errorf("answer %q, want %q", got, tc.answer)
				}
				if tc.extra != nil {
					if got := named(resp.Extra); !slices.Equal(got, tc.extra) {
						t.Errorf("additional %q, want %q", got, tc.extra)
					}
				}
				inZone := dns.IsSubDomain("cluster.local.", dns.Fqdn(strings.ToLower(tc.name)))
				if inZone && len(resp.Answer) == 0 && (len(resp.Ns) != 1 || resp.Ns[0].Header().Rrtype != dns.TypeSOA) {
					t.Errorf("a negative answer should carry the zone's SOA; authority %v", resp.Ns)
				}
				if inZone && !resp.Authoritative {
					t.Error("an answer for the cluster domain should be authoritative")
				}
			})
		}
	}
}

func TestHeadlessFollowsItsSlices(t *testing.T) {
	r := start(t, fake.NewClientset(objects()...))
	ctx := context.Background()
	slices := r.client.DiscoveryV1().EndpointSlices("default")
	s, err := slices.Get(ctx, "db-a", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Endpoints[2].Conditions.Ready = ptr.To(true) // 10.0.0.3 becomes ready
	s.Endpoints[0].Conditions.Ready = ptr.To(false)
	if _, err := slices.Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"A 10.0.0.2", "A 10.0.0.3", "A 10.0.0.4"}
	waitFor(t, 5*time.Second, fmt.Sprintf("db to resolve to %v", want), func() bool {
		return equal(short(query(t, r.addr, "udp", "db.default.svc.cluster.local", dns.TypeA).Answer), want)
	})
	if err := slices.Delete(ctx, "db-b", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want = []string{"A 10.0.0.2", "A 10.0.0.3"}
	waitFor(t, 5*time.Second, fmt.Sprintf("db to resolve to %v once slice db-b is gone", want), func() bool {
		return equal(short(query(t, r.addr, "udp", "db.default.svc.cluster.local", dns.TypeA).Answer), want)
	})
	if err := r.client.CoreV1().Services("default").Delete(ctx, "db", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "db to be NXDOMAIN once its Service is gone", func() bool {
		return query(t, r.addr, "udp", "db.default.svc.cluster.local", dns.TypeA).Rcode == dns.RcodeNameError
	})
}

func equal(a, b []string) bool { return slices.Equal(a, b) }

func TestUpstreamFailureIsServfailInBoundedTime(t *testing.T) {
	// A black hole: reads queries, never answers.
	hole, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	r := start(t, fake.NewClientset(), hole.LocalAddr().String())
	began := time.Now()
	resp := query(t, r.addr, "udp", "example.org", dns.TypeA)
	if resp.Rcode != dns.RcodeServerFailure {
		t.Errorf("rcode %s, want SERVFAIL", dns.RcodeToString[resp.Rcode])
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("SERVFAIL took %s; the upstream timeout is 300ms", took)
	}
	// Cluster names do not depend on the upstream.
	if resp := query(t, r.addr, "udp", "x.default.svc.cluster.local", dns.TypeA); resp.Rcode != dns.RcodeNameError {
		t.Errorf("cluster name: rcode %s, want NXDOMAIN", dns.RcodeToString[resp.Rcode])
	}
}

func TestNoUpstreamIsServfail(t *testing.T) {
	r := start(t, fake.NewClientset())
	if resp := query(t, r.addr, "tcp", "example.org", dns.TypeA); resp.Rcode != dns.RcodeServerFailure {
		t.Errorf("rcode %s, want SERVFAIL", dns.RcodeToString[resp.Rcode])
	}
}

func TestLargeAnswerIsTruncatedOverUDPAndWholeOverTCP(t *testing.T) {
	var eps []endpoint
	for i := range 100 {
		eps = append(eps, endpoint{ip: fmt.Sprintf("10.0.%d.%d", i/200, i%200+1), ready: ptr.To(true)})
	}
	r := start(t, fake.NewClientset(headless("big"), slice("big-a", "big", pgPort, eps...)))
	udp := query(t, r.addr, "udp", "big.default.svc.cluster.local", dns.TypeA)
	if !udp.Truncated || len(udp.Answer) >= 100 {
		t.Errorf("over UDP: truncated %v with %d answers, want truncated", udp.Truncated, len(udp.Answer))
	}
	if tcp := query(t, r.addr, "tcp", "big.default.svc.cluster.local", dns.TypeA); len(tcp.Answer) != 100 {
		t.Errorf("over TCP: %d answers, want 100", len(tcp.Answer))
	}
}

func TestHealth(t *testing.T) {
	r := start(t, fake.NewClientset())
	if got := httpStatus(r.health + "/healthz"); got != http.StatusOK {
		t.Errorf("/healthz answered %d, want 200", got)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	client := fake.NewClientset()
	for name, cfg := range map[string]clusterdns.Config{
		"no client":     {},
		"bad upstream":  {Client: client, Upstreams: []string{"10.0.0.1"}},
		"bad domain":    {Client: client, Domain: "a..b"},
		"half a socket": {Client: client, Listener: &net.TCPListener{}},
	} {
		if _, err := clusterdns.New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
}

func TestNotReadyUntilTheInformersSync(t *testing.T) {
	client := fake.NewClientset()
	client.PrependReactor("list", "services", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("the API server is not up yet")
	})
	pc, ln := listen(t)
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := clusterdns.New(clusterdns.Config{Client: client, PacketConn: pc, Listener: ln, HealthListener: hl,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	health := "http://" + hl.Addr().String()
	waitFor(t, 5*time.Second, "/healthz to answer 200", func() bool { return httpStatus(health+"/healthz") == http.StatusOK })
	if got := httpStatus(health + "/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz answered %d before the informers synced, want 503", got)
	}
	if resp := query(t, pc.LocalAddr().String(), "udp", "web.default.svc.cluster.local", dns.TypeA); resp.Rcode != dns.RcodeServerFailure {
		t.Errorf("before the informers synced: rcode %s, want SERVFAIL (not a false NXDOMAIN)", dns.RcodeToString[resp.Rcode])
	}
}

// client-go's streaming list retries an unreachable API server quietly, so
// the server itself must say, while not ready, that it cannot reach it.
func TestSaysWhileNotReadyThatTheAPIServerIsUnreachable(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	closed.Close() // nothing listens there now: connection refused
	client, err := kubernetes.NewForConfig(&rest.Config{Host: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	pc, ln := listen(t)
	s, err := clusterdns.New(clusterdns.Config{Client: client, PacketConn: pc, Listener: ln,
		WaitReportEvery: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	waitFor(t, 5*time.Second, "a log line naming the unreachable API server", func() bool {
		out := log.String()
		return strings.Contains(out, "cannot reach the API server") && strings.Contains(out, addr)
	})
}

// syncBuffer is a bytes.Buffer the server's goroutines may log to while
// the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
