package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// fakeAPI serves one list of EndpointSlices and then, on each watch, the
// events the test sends, as the API server's JSON.
type fakeAPI struct {
	list   atomic.Value // string: the list's JSON
	lists  atomic.Int32
	events chan string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("labelSelector") != "kubernetes.io/service-name=web" {
		http.Error(w, "wrong selector "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	if r.URL.Query().Get("watch") != "true" {
		f.lists.Add(1)
		io.WriteString(w, f.list.Load().(string))
		return
	}
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	for {
		select {
		case ev := <-f.events:
			io.WriteString(w, ev+"\n")
			w.(http.Flusher).Flush()
		case <-r.Context().Done():
			return
		}
	}
}

func sliceJSON(port int, ready, notReady string) string {
	return fmt.Sprintf(`{"metadata":{"name":"web-abc"},"ports":[{"name":"http","port":%d,"protocol":"TCP"}],"endpoints":[`+
		`{"addresses":["%s"],"conditions":{"ready":true}},{"addresses":["%s"],"conditions":{"ready":false}}]}`, port, ready, notReady)
}

func TestForwarderFollowsTheServicesSlices(t *testing.T) {
	backendPort := freePort(t)
	serveName(t, "127.0.0.1", backendPort, "a")
	serveName(t, "127.0.0.2", backendPort, "b")

	api := &fakeAPI{events: make(chan string)}
	api.list.Store(`{"metadata":{"resourceVersion":"5"},"items":[` + sliceJSON(backendPort, "127.0.0.1", "127.0.0.2") + `]}`)
	srv := httptest.NewServer(api)
	defer srv.Close()

	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, config{api: srv.URL, namespace: "default", service: "web",
			ports: []servicePort{{port: port, name: "http"}}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	awaitAnswers(t, addr, "a")
	// b turns ready: the watch brings it.
	api.events <- `{"type":"MODIFIED","object":` + sliceJSON(backendPort, "127.0.0.2", "127.0.0.1") + `}`
	awaitAnswers(t, addr, "b")
	// The watch ends with 410 Gone: the forwarder lists again.
	api.list.Store(`{"metadata":{"resourceVersion":"9"},"items":[]}`)
	api.events <- `{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}}`
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.SetReadDeadline(time.Now().Add(time.Second))
			_, err = conn.Read(make([]byte, 1))
			conn.Close()
		}
		if err != nil && api.lists.Load() >= 2 {
			break // refused: the new, empty list is applied
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the 410 the forwarder still relays (lists: %d)", api.lists.Load())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}

// awaitAnswers waits until 4 connections in a row to addr are all answered
// by want.
func awaitAnswers(t *testing.T, addr, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok := true
		var got string
		for range 4 {
			if got = ask(addr); got != want {
				ok = false
				break
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("connections to %s answered %q, want only %q", addr, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func ask(addr string) string {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err.Error()
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err.Error()
	}
	return line[:len(line)-1]
}

// serveName answers every connection to ip:port with name and a newline.
func serveName(t *testing.T, ip string, port int, name string) {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		t.Skipf("cannot listen on %s (loopback addresses beyond 127.0.0.1 needed): %v", ip, err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fmt.Fprintln(c, name)
			c.Close()
		}
	}()
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-namespace", "ns", "-service", "web", "-port", "80:http", "-port", "443:", "-affinity", "3h"}, io.Discard)
	if err != nil || len(cfg.ports) != 2 || cfg.ports[1] != (servicePort{443, ""}) || cfg.affinity != 3*time.Hour {
		t.Fatalf("parseFlags = %+v, %v", cfg, err)
	}
	for _, bad := range [][]string{{"-namespace", "ns", "-service", "web"}, {"-namespace", "ns", "-service", "web", "-port", "x:http"}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("parseFlags(%q): no error", bad)
		}
	}
}
