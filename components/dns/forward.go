package dns

import (
	"time"

	"github.com/miekg/dns"
)

// forwarder asks the upstream resolvers about names outside the cluster
// domain.
type forwarder struct {
	upstreams []string
	timeout   time.Duration // per upstream
}

// forward sends req to each upstream in turn over network ("udp" or "tcp",
// as the client asked) and returns the first answer, or SERVFAIL if none
// answers within its timeout: never a hang.
func (f *forwarder) forward(network string, req *dns.Msg) *dns.Msg {
	if network != "tcp" {
		network = "udp"
	}
	c := &dns.Client{Net: network, Timeout: f.timeout}
	for _, u := range f.upstreams {
		resp, _, err := c.Exchange(req, u)
		if err == nil && resp != nil {
			resp.Id = req.Id
			return resp
		}
	}
	fail := new(dns.Msg).SetRcode(req, dns.RcodeServerFailure)
	fail.RecursionAvailable = true
	return fail
}
