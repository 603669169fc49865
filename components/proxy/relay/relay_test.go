package relay

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"
)

func TestPickCyclesThroughEndpoints(t *testing.T) {
	b := NewBalancer(0)
	b.Update([]string{"c:1", "a:1", "b:1", "a:1"}, 0)
	var got []string
	for range 6 {
		got = append(got, b.Pick("10.0.0.9")[0])
	}
	if fmt.Sprint(got) != "[a:1 b:1 c:1 a:1 b:1 c:1]" {
		t.Errorf("picks %v, want each endpoint in turn", got)
	}
	if order := b.Pick("x"); fmt.Sprint(order) != "[a:1 b:1 c:1]" {
		t.Errorf("fallback order %v, want the others after the chosen one", order)
	}
}

func TestClientIPAffinity(t *testing.T) {
	now := time.Unix(0, 0)
	b := NewBalancer(10 * time.Second)
	b.now = func() time.Time { return now }
	b.Update([]string{"a:1", "b:1", "c:1"}, 10*time.Second)
	first := b.Pick("10.0.0.1")[0]
	other := b.Pick("10.0.0.2")[0]
	if first == other {
		t.Fatalf("two clients both got %s; want the second client on the next endpoint", first)
	}
	for range 5 {
		now = now.Add(9 * time.Second)
		if got := b.Pick("10.0.0.1")[0]; got != first {
			t.Fatalf("within the timeout the client moved from %s to %s", first, got)
		}
	}
	now = now.Add(11 * time.Second)
	b.Pick("10.0.0.1") // expired: picked afresh, in turn
	b.Update([]string{"b:1", "c:1"}, 10*time.Second)
	if got := b.Pick("10.0.0.2")[0]; got == "a:1" {
		t.Errorf("a client kept an endpoint that is gone")
	}
	b.Update([]string{"a:1", "b:1"}, 0)
	seen := map[string]bool{}
	for range 4 {
		seen[b.Pick("10.0.0.1")[0]] = true
	}
	if len(seen) != 2 {
		t.Errorf("without affinity a client saw %v, want both endpoints", seen)
	}
}

func TestNoEndpointsResetsAtOnce(t *testing.T) {
	addr := serve(t, NewBalancer(0))
	start := time.Now()
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil { // the reset may come before or after the dial returns
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(time.Second))
		_, err = conn.Read(make([]byte, 1))
	}
	if err == nil || time.Since(start) > 500*time.Millisecond {
		t.Fatalf("read after %s: %v; want the connection closed at once", time.Since(start), err)
	}
}

func TestRelaysAndKeepsConnectionsAcrossUpdates(t *testing.T) {
	a, b := echoServer(t, "a"), echoServer(t, "b")
	bal := NewBalancer(0)
	bal.Update([]string{a}, 0)
	addr := serve(t, bal)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	ask := func() string {
		fmt.Fprintln(conn, "hi")
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		return line
	}
	if got := ask(); got != "a\n" {
		t.Fatalf("got %q, want a", got)
	}
	bal.Update([]string{b}, 0)
	if got := ask(); got != "a\n" {
		t.Fatalf("after an update the open connection got %q, want still a", got)
	}
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	fmt.Fprintln(c2, "hi")
	c2.SetReadDeadline(time.Now().Add(2 * time.Second))
	if line, _ := bufio.NewReader(c2).ReadString('\n'); line != "b\n" {
		t.Fatalf("a new connection got %q, want b", line)
	}
}

func serve(t *testing.T, b *Balancer) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = Serve(ctx, ln, b, slog.New(slog.NewTextHandler(io.Discard, nil))); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

// echoServer answers every line with name.
func echoServer(t *testing.T, name string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				s := bufio.NewScanner(c)
				for s.Scan() {
					fmt.Fprintln(c, name)
				}
			}()
		}
	}()
	return ln.Addr().String()
}
