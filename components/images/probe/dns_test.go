package main

import (
	"net"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// dnsServer answers web.test. A 10.0.0.1 and 10.0.0.2, _http._tcp.web.test.
// SRV, and NXDOMAIN for anything else, on 127.0.0.1 over UDP.
func dnsServer(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg).SetReply(req)
		q := req.Question[0]
		switch {
		case q.Name == "web.test." && q.Qtype == dns.TypeA:
			for _, s := range []string{"web.test. 5 IN A 10.0.0.2", "web.test. 5 IN A 10.0.0.1", "web.test. 5 IN CNAME x.test."} {
				rr, _ := dns.NewRR(s)
				m.Answer = append(m.Answer, rr)
			}
		case q.Name == "_http._tcp.web.test." && q.Qtype == dns.TypeSRV:
			rr, _ := dns.NewRR("_http._tcp.web.test. 5 IN SRV 0 100 80 web.test.")
			m.Answer = []dns.RR{rr}
		case q.Name == "web.test.":
		default:
			m.Rcode = dns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestDNSAgainstAServer(t *testing.T) {
	server := dnsServer(t)
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
	}{
		{[]string{"web.test"}, 0, "10.0.0.1\n10.0.0.2\n"},
		{[]string{"web.test", "-want", "10.0.0.2,10.0.0.1"}, 0, "10.0.0.1\n10.0.0.2\n"},
		{[]string{"web.test", "-want", "10.0.0.1"}, 1, "10.0.0.1\n10.0.0.2\n"},
		{[]string{"-type", "SRV", "_http._tcp.web.test", "-want", "80 web.test."}, 0, "80 web.test.\n"},
		{[]string{"-type", "AAAA", "web.test"}, 1, ""},
		{[]string{"-type", "AAAA", "web.test", "-want", ""}, 1, ""},
		{[]string{"nothere.test"}, 1, "NXDOMAIN\n"},
		{[]string{"nothere.test", "-want", "NXDOMAIN"}, 0, "NXDOMAIN\n"},
		{[]string{"web.test", "-want", "NXDOMAIN"}, 1, "10.0.0.1\n10.0.0.2\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := probe(t, append([]string{"dns", "-server", server}, tc.args...)...)
			if code != tc.code || stdout != tc.stdout {
				t.Errorf("got %d %q (stderr %q); want %d %q", code, stdout, stderr, tc.code, tc.stdout)
			}
		})
	}
}

func TestDNSServerThatDoesNotAnswerTimesOut(t *testing.T) {
	hole, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	code, _, stderr := probe(t, "dns", "-server", hole.LocalAddr().String(), "-timeout", "200ms", "web.test")
	if code != 1 || !strings.Contains(stderr, "timeout") {
		t.Errorf("got %d, stderr %q; want 1 and a timeout", code, stderr)
	}
}

func TestDNSUsage(t *testing.T) {
	for _, args := range [][]string{{"dns"}, {"dns", "-type", "MX", "web"}, {"dns", "-server", "nope", "web"}} {
		if code, _, _ := probe(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
