package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
)

// dnsQuery is what `probe dns` asks.
type dnsQuery struct {
	qtype  string // A, AAAA or SRV
	server string // host:port to ask directly; "" for the system's resolver
	want   string // comma-separated answers, or NXDOMAIN; "" for any answer
}

func (q dnsQuery) validate(name string) error {
	switch {
	case name == "":
		return errors.New("probe dns: want a name")
	case !slices.Contains([]string{"A", "AAAA", "SRV"}, q.qtype):
		return fmt.Errorf("-type %q: want A, AAAA or SRV", q.qtype)
	}
	if q.server != "" {
		if _, _, err := net.SplitHostPort(q.server); err != nil {
			return fmt.Errorf("-server %q: want host:port: %w", q.server, err)
		}
	}
	return nil
}

// lookup makes one lookup and fails unless its answers are those wanted.
func (r request) lookup(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	var (
		lines []string
		err   error
	)
	if r.dns.server != "" {
		lines, err = r.dns.ask(ctx, r.target)
	} else {
		lines, err = r.dns.resolve(ctx, r.target)
	}
	if err != nil {
		return "", fmt.Errorf("look up %s %s: %w", r.dns.qtype, r.target, err)
	}
	slices.Sort(lines)
	out := strings.Join(lines, "\n")
	if len(lines) > 0 {
		out += "\n"
	}
	if r.dns.want == "" {
		if len(lines) == 0 || len(lines) == 1 && isRcode(lines[0]) {
			return out, fmt.Errorf("look up %s %s: no answer (%s)", r.dns.qtype, r.target, strings.TrimSpace(out))
		}
		return out, nil
	}
	want := strings.Split(r.dns.want, ",")
	slices.Sort(want)
	if !slices.Equal(lines, want) {
		return out, fmt.Errorf("look up %s %s: got %q, want %q", r.dns.qtype, r.target, lines, want)
	}
	return out, nil
}

func isRcode(s string) bool {
	return s == "NXDOMAIN" || s == "SERVFAIL" || strings.HasPrefix(s, "RCODE")
}

// resolve asks the system's resolver, as a program in a pod would. Go's
// resolver does not tell NXDOMAIN from a name without a record of the
// type: both are "not found", printed NXDOMAIN.
func (q dnsQuery) resolve(ctx context.Context, name string) ([]string, error) {
	r := &net.Resolver{PreferGo: true}
	var lines []string
	var err error
	switch q.qtype {
	case "SRV":
		var srvs []*net.SRV
		_, srvs, err = r.LookupSRV(ctx, "", "", name)
		for _, s := range srvs {
			lines = append(lines, fmt.Sprintf("%d %s", s.Port, s.Target))
		}
	default:
		network := "ip4"
		if q.qtype == "AAAA" {
			network = "ip6"
		}
		var ips []net.IP
		ips, err = r.LookupIP(ctx, network, name)
		for _, ip := range ips {
			lines = append(lines, ip.String())
		}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return []string{"NXDOMAIN"}, nil
	}
	return lines, err
}

// ask sends server one query over UDP for name as given.
func (q dnsQuery) ask(ctx context.Context, name string) ([]string, error) {
	fqdn := name
	if !strings.HasSuffix(fqdn, ".") {
		fqdn += "."
	}
	qname, err := dnsmessage.NewName(fqdn)
	if err != nil {
		return nil, err
	}
	qtype := map[string]dnsmessage.Type{"A": dnsmessage.TypeA, "AAAA": dnsmessage.TypeAAAA, "SRV": dnsmessage.TypeSRV}[q.qtype]
	id := uint16(len(fqdn)*7919 + 17)
	msg := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: id, RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: qname, Type: qtype, Class: dnsmessage.ClassINET}},
	}
	packed, err := msg.Pack()
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", q.server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	if _, err := conn.Write(packed); err != nil {
		return nil, err
	}
	buf := make([]byte, 65535)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return nil, err
		}
		var resp dnsmessage.Message
		if err := resp.Unpack(buf[:n]); err != nil || resp.ID != id {
			continue // not the answer to this query
		}
		return answerLines(resp, qtype), nil
	}
}

// answerLines are resp's answers of type qtype, or its rcode if not NOERROR.
func answerLines(resp dnsmessage.Message, qtype dnsmessage.Type) []string {
	switch resp.RCode {
	case dnsmessage.RCodeSuccess:
	case dnsmessage.RCodeNameError:
		return []string{"NXDOMAIN"}
	case dnsmessage.RCodeServerFailure:
		return []string{"SERVFAIL"}
	default:
		return []string{"RCODE" + strconv.Itoa(int(resp.RCode))}
	}
	var lines []string
	for _, a := range resp.Answers {
		if a.Header.Type != qtype {
			continue
		}
		switch b := a.Body.(type) {
		case *dnsmessage.AResource:
			lines = append(lines, net.IP(b.A[:]).String())
		case *dnsmessage.AAAAResource:
			lines = append(lines, net.IP(b.AAAA[:]).String())
		case *dnsmessage.SRVResource:
			lines = append(lines, fmt.Sprintf("%d %s", b.Port, b.Target.String()))
		}
	}
	return lines
}
