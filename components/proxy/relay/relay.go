// Package relay is the data path the kit's Service proxies share: the
// ClusterIP forwarder (components/images/forwarder) and the node proxy's
// NodePorts (components/proxy). A Balancer picks, for each new TCP
// connection, one of a Service port's ready endpoints — in turn, or the
// client's previous one under ClientIP session affinity — and Serve relays
// the connection to it, as the userspace proxier of early Kubernetes did
// (pkg/proxy/userspace: a listener per Service port, a round-robin load
// balancer with sticky sessions, io.Copy both ways).
//
// It uses the standard library only, so the forwarder image stays a few MB.
package relay

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"
)

// DialTimeout bounds the connection to one endpoint; an endpoint that does
// not answer in time is skipped for the next one.
const DialTimeout = 2 * time.Second

// Balancer holds one Service port's ready endpoints (host:port) and picks
// one per connection. It is safe for concurrent use; Update may be called
// at any time, and connections already relayed are not affected.
type Balancer struct {
	mu        sync.Mutex
	endpoints []string
	next      int
	affinity  time.Duration // 0: none
	sticky    map[string]stickyEntry
	now       func() time.Time
}

type stickyEntry struct {
	endpoint string
	last     time.Time
}

// NewBalancer returns a Balancer without endpoints. A positive affinity is
// ClientIP session affinity with that timeout: a client keeps its endpoint
// while it stays ready and the client comes back within the timeout.
func NewBalancer(affinity time.Duration) *Balancer {
	return &Balancer{affinity: affinity, sticky: map[string]stickyEntry{}, now: time.Now}
}

// Update replaces the endpoints (kept in sorted order, so every proxy
// cycles through them alike) and the affinity timeout.
func (b *Balancer) Update(endpoints []string, affinity time.Duration) {
	eps := slices.Clone(endpoints)
	slices.Sort(eps)
	eps = slices.Compact(eps)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.endpoints, b.affinity = eps, affinity
	for ip, s := range b.sticky {
		if !slices.Contains(eps, s.endpoint) || affinity <= 0 {
			delete(b.sticky, ip)
		}
	}
}

// Endpoints returns the current endpoints.
func (b *Balancer) Endpoints() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.endpoints)
}

// Pick returns the endpoints to try for a connection from clientIP, the
// chosen one first and the others after it in turn, or none when the
// Service port has no ready endpoint.
func (b *Balancer) Pick(clientIP string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(b.endpoints)
	if n == 0 {
		return nil
	}
	now := b.now()
	start := -1
	if s, ok := b.sticky[clientIP]; ok && b.affinity > 0 && now.Sub(s.last) <= b.affinity {
		start = slices.Index(b.endpoints, s.endpoint)
	}
	if start < 0 {
		start = b.next % n
		b.next = (start + 1) % n
	}
	order := append(slices.Clone(b.endpoints[start:]), b.endpoints[:start]...)
	if b.affinity > 0 {
		b.sticky[clientIP] = stickyEntry{endpoint: order[0], last: now}
	}
	return order
}

// Chosen tells the balancer which endpoint a client's connection went to,
// when the first one Pick offered could not be reached.
func (b *Balancer) Chosen(clientIP, endpoint string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.affinity > 0 {
		b.sticky[clientIP] = stickyEntry{endpoint: endpoint, last: b.now()}
	}
}

// Serve accepts connections on ln until ctx ends and relays each to an
// endpoint b picks. A connection that finds no ready endpoint is reset at
// once, so its client fails fast instead of waiting for a timeout.
func Serve(ctx context.Context, ln net.Listener, b *Balancer, log *slog.Logger) error {
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		wg.Go(func() { relay(ctx, conn, b, log) })
	}
}

// relay connects conn to an endpoint and copies both ways until both sides
// are done.
func relay(ctx context.Context, conn net.Conn, b *Balancer, log *slog.Logger) {
	defer conn.Close()
	client := hostOf(conn.RemoteAddr())
	var backend net.Conn
	for i, ep := range b.Pick(client) {
		c, err := (&net.Dialer{Timeout: DialTimeout}).DialContext(ctx, "tcp", ep)
		if err != nil {
			log.Warn("endpoint unreachable; trying the next", "endpoint", ep, "err", err)
			continue
		}
		if i > 0 {
			b.Chosen(client, ep)
		}
		backend = c
		break
	}
	if backend == nil {
		reset(conn)
		return
	}
	defer backend.Close()
	done := make(chan struct{}, 2)
	go func() { copyHalf(backend, conn); done <- struct{}{} }()
	go func() { copyHalf(conn, backend); done <- struct{}{} }()
	select {
	case <-done:
		<-done
	case <-ctx.Done():
	}
}

// copyHalf copies src to dst, then closes dst's write side so the peer
// sees the end of the stream while the other direction goes on.
func copyHalf(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	} else {
		dst.Close()
	}
}

// reset closes conn with a TCP RST rather than a FIN: the client learns at
// once that nothing serves the Service.
func reset(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

func hostOf(a net.Addr) string {
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}
