// Command probe makes one request from inside the cluster network and says
// by its exit code whether it got the answer expected. The e2e suite runs it
// as a one-shot container on the cluster's network (or in a pod's network
// namespace) to check pod-to-pod and Service traffic the host may not route.
//
//	probe http <url> [-expect 200] [-ca-pem PEM] [-retries N] [-interval 500ms] [-timeout 2s]
//	probe tcp <host:port> [-retries N] [-interval 500ms] [-timeout 2s]
//	probe dns <name> [-type A|AAAA|SRV] [-server host:port] [-want a,b|NXDOMAIN] [-retries N] [-interval 500ms] [-timeout 2s]
//
// dns looks name up and prints the answers sorted, one a line: addresses
// for A and AAAA, "<port> <target>" for SRV. Without -server it asks the
// resolver a pod's program has (/etc/resolv.conf: its nameservers, search
// path and ndots), and prints NXDOMAIN for a name not found (or without a
// record of the type: Go's resolver does not tell them apart); with -server
// it sends that server one query for name as given (no search path) and
// prints the answer's rcode instead of answers when it is not NOERROR
// (NXDOMAIN, SERVFAIL). -want makes success an exact match of the lines
// printed, given comma-separated in any order; without it, success is at
// least one answer.
//
//	probe repeat <url> [-count 10] [-concurrency 1] [-pace 0s] [-timeout 2s]
//
// repeat GETs the URL count times, each on a new connection, concurrency
// at once (each of them waiting -pace after each request: a steady stream), and prints one JSON summary (see summary): how many answers
// each pod gave (the "pod" field of a JSON body, else the body itself),
// how many requests failed and how fast, and the latency percentiles. It
// exits 0 when every request got 200, 1 otherwise, the summary printed in
// either case. It is how specs see a Service spread its connections, and
// how the benchmark measures a proxy's cost.
//
// http GETs the URL and prints the response body to stdout exactly as
// received (the last attempt's, even when its status is not the one
// expected); tcp prints "connected to <address>". Each retries up to N times,
// -interval apart, until it succeeds. Exit codes: 0 success, 1 failure (the
// reason on stderr, one line per failed attempt), 2 bad usage.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const usage = `usage:
  probe http <url> [-expect 200] [-ca-pem PEM] [-retries N] [-interval 500ms] [-timeout 2s]
  probe tcp <host:port> [-retries N] [-interval 500ms] [-timeout 2s]
  probe dns <name> [-type A|AAAA|SRV] [-server host:port] [-want a,b|NXDOMAIN] [-retries N] [-interval 500ms] [-timeout 2s]
  probe repeat <url> [-count 10] [-concurrency 1] [-pace 0s] [-timeout 2s]
`

// maxBody bounds the body probe reads and prints.
const maxBody = 16 << 20

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run probes as args say and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	req, err := parseArgs(args)
	if errors.Is(err, flag.ErrHelp) {
		io.WriteString(stdout, usage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "probe: %v\n%s", err, usage)
		return 2
	}
	if req.kind == "repeat" {
		return repeat(ctx, req, stdout, stderr)
	}
	out, err := retry(ctx, req, stderr, req.attempt())
	io.WriteString(stdout, out)
	if err != nil {
		fmt.Fprintf(stderr, "probe: %v\n", err)
		return 1
	}
	return 0
}

// request is one probe to make.
type request struct {
	kind     string // "http", "tcp" or "dns"
	target   string // a URL for http, host:port for tcp, a name for dns
	expect   int    // the HTTP status that counts as success
	retries  int
	interval time.Duration
	timeout  time.Duration // per attempt
	dns      dnsQuery
	// count and concurrency are repeat's: how many requests, how many at
	// once; pace is how long each of those waits after each request.
	count, concurrency int
	pace               time.Duration
	// caPEM, for an https URL, is the one CA (PEM, the certificate
	// itself: a one-shot container has no file of it) to trust.
	caPEM string
}

// parseArgs reads `<kind> <target> [flags]`; flags may come before or after
// the target.
func parseArgs(args []string) (request, error) {
	if len(args) == 0 {
		return request{}, errors.New("no command: want http, tcp, dns or repeat")
	}
	req := request{kind: args[0], expect: http.StatusOK}
	fs := flag.NewFlagSet("probe "+req.kind, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&req.retries, "retries", 0, "retries after a failed attempt")
	fs.DurationVar(&req.interval, "interval", 500*time.Millisecond, "wait between attempts")
	fs.DurationVar(&req.timeout, "timeout", 2*time.Second, "time limit of one attempt")
	switch req.kind {
	case "http":
		fs.IntVar(&req.expect, "expect", http.StatusOK, "the status that counts as success")
		fs.StringVar(&req.caPEM, "ca-pem", "", "for https: the CA certificate (PEM) to trust instead of the system's")
	case "tcp":
	case "dns":
		fs.StringVar(&req.dns.qtype, "type", "A", "the record type: A, AAAA or SRV")
		fs.StringVar(&req.dns.server, "server", "", "a DNS server (host:port) to ask directly, without the search path")
		fs.StringVar(&req.dns.want, "want", "", "the exact answers that count as success, comma-separated, or NXDOMAIN")
	case "repeat":
		fs.IntVar(&req.count, "count", 10, "requests to make")
		fs.IntVar(&req.concurrency, "concurrency", 1, "requests in flight at once")
		fs.DurationVar(&req.pace, "pace", 0, "wait of each of those after each request")
	case "-h", "-help", "--help", "help":
		return request{}, flag.ErrHelp
	default:
		return request{}, fmt.Errorf("unknown command %q: want http, tcp, dns or repeat", req.kind)
	}
	targets, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return request{}, err
	}
	if len(targets) != 1 {
		return request{}, fmt.Errorf("probe %s: want one target, got %d: %q", req.kind, len(targets), targets)
	}
	req.target = targets[0]
	return req, req.validate()
}

// parseInterleaved parses flags anywhere in args and returns the other
// arguments, which the flag package alone would stop at.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%s: %w", fs.Name(), err)
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func (r request) validate() error {
	switch {
	case r.retries < 0:
		return fmt.Errorf("-retries %d: want 0 or more", r.retries)
	case r.interval < 0:
		return fmt.Errorf("-interval %s: want 0 or more", r.interval)
	case r.timeout <= 0:
		return fmt.Errorf("-timeout %s: want more than 0", r.timeout)
	case r.expect < 100 || r.expect > 599:
		return fmt.Errorf("-expect %d: not an HTTP status", r.expect)
	case r.kind == "repeat" && (r.count < 1 || r.count > maxRepeat):
		return fmt.Errorf("-count %d: want 1 to %d", r.count, maxRepeat)
	case r.kind == "repeat" && (r.concurrency < 1 || r.concurrency > 256):
		return fmt.Errorf("-concurrency %d: want 1 to 256", r.concurrency)
	case r.pace < 0 || r.pace > time.Minute:
		return fmt.Errorf("-pace %s: want 0 to 1m", r.pace)
	}
	if r.kind == "dns" {
		return r.dns.validate(r.target)
	}
	if r.kind == "tcp" {
		if _, _, err := net.SplitHostPort(r.target); err != nil {
			return fmt.Errorf("probe tcp %q: want host:port: %w", r.target, err)
		}
		return nil
	}
	u, err := url.Parse(r.target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("probe http %q: want a URL such as http://web:8080/", r.target)
	}
	return nil
}

// attempt makes one try and returns what to print and why it failed.
type attempt func(ctx context.Context) (string, error)

func (r request) attempt() attempt {
	switch r.kind {
	case "tcp":
		return r.dialTCP
	case "dns":
		return r.lookup
	}
	client := newClient(r.timeout)
	if r.caPEM != "" {
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM([]byte(r.caPEM)) {
			return func(context.Context) (string, error) { return "", errors.New("-ca-pem holds no PEM certificate") }
		}
		client.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	return r.getHTTP(client)
}

// newClient is an HTTP client that goes straight to its target (no proxy
// from the environment) on a fresh connection each time.
func newClient(timeout time.Duration) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil
	transport.DisableKeepAlives = true
	return &http.Client{Transport: transport, Timeout: timeout}
}

func (r request) getHTTP(client *http.Client) attempt {
	return func(ctx context.Context) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.target, nil)
		if err != nil {
			return "", fmt.Errorf("GET %s: %w", r.target, err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", err // a *url.Error, which names the method and URL
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		if err != nil {
			return string(body), fmt.Errorf("GET %s: read body: %w", r.target, err)
		}
		if resp.StatusCode != r.expect {
			return string(body), fmt.Errorf("GET %s: status %d, want %d", r.target, resp.StatusCode, r.expect)
		}
		return string(body), nil
	}
}

func (r request) dialTCP(ctx context.Context) (string, error) {
	d := net.Dialer{Timeout: r.timeout}
	conn, err := d.DialContext(ctx, "tcp", r.target)
	if err != nil {
		return "", err // a *net.OpError, which names the address
	}
	defer conn.Close()
	return fmt.Sprintf("connected to %s\n", conn.RemoteAddr()), nil
}

// retry runs try until it succeeds, at most 1+req.retries times, and returns
// the last attempt's output and error. Failed attempts before the last are
// reported on stderr.
func retry(ctx context.Context, req request, stderr io.Writer, try attempt) (string, error) {
	attempts := req.retries + 1
	for i := 1; ; i++ {
		out, err := try(ctx)
		switch {
		case err == nil:
			return out, nil
		case i == attempts && attempts > 1:
			return out, fmt.Errorf("%w (gave up after %d attempts)", err, attempts)
		case i == attempts:
			return out, err
		}
		fmt.Fprintf(stderr, "probe: attempt %d of %d: %v; retrying in %s\n", i, attempts, err, req.interval)
		if !sleep(ctx, req.interval) {
			return out, fmt.Errorf("%w (stopped after %d of %d attempts: %w)", err, i, attempts, ctx.Err())
		}
	}
}

// sleep waits for d and reports whether it did before ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
