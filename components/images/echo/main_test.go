package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

var testConfig = config{port: 8080, pod: "web", namespace: "default", node: "n1", podIP: "10.0.0.5", failLivenessAfter: -1}

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTestServer(cfg config) (*server, *fakeClock, *bytes.Buffer) {
	clock := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	var logs bytes.Buffer
	return newServer(cfg, "host-a", clock.now, &logs), clock, &logs
}

// get serves one GET of target and returns its status and body.
func get(t *testing.T, h http.Handler, target string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec.Code, rec.Body.String()
}

func TestEchoAnswersWhoServed(t *testing.T) {
	s, _, logs := newTestServer(testConfig)
	h := s.handler()
	for want := int64(1); want <= 3; want++ {
		code, body := get(t, h, "/some/path?x=1")
		var got reply
		if err := json.Unmarshal([]byte(body), &got); err != nil || code != http.StatusOK {
			t.Fatalf("GET /: %d %q: %v", code, body, err)
		}
		wantReply := reply{Pod: "web", Namespace: "default", Node: "n1", PodIP: "10.0.0.5", Hostname: "host-a", Count: want, Path: "/some/path"}
		if got != wantReply {
			t.Errorf("reply %+v, want %+v", got, wantReply)
		}
	}
	if want := "echo: GET /some/path from 192.0.2.1:1234 -> 200 (count 3)\n"; !strings.HasSuffix(logs.String(), want) {
		t.Errorf("log %q does not end with %q", logs.String(), want)
	}
}

func TestEchoJSONFieldNames(t *testing.T) {
	s, _, _ := newTestServer(testConfig)
	_, body := get(t, s.handler(), "/")
	var fields map[string]any
	if err := json.Unmarshal([]byte(body), &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"pod", "namespace", "node", "podIP", "hostname", "count", "path"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("reply %s has no field %q", body, k)
		}
	}
}

func TestEchoText(t *testing.T) {
	s, _, _ := newTestServer(testConfig)
	code, body := get(t, s.handler(), "/?format=text")
	want := "pod=web namespace=default node=n1 podIP=10.0.0.5 hostname=host-a count=1 path=/\n"
	if code != http.StatusOK || body != want {
		t.Errorf("GET /?format=text: %d %q, want 200 %q", code, body, want)
	}
}

func TestEchoCounterIsAtomic(t *testing.T) {
	s, _, _ := newTestServer(testConfig)
	h := s.handler()
	const n = 100
	seen := make(chan int64, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, body := get(t, h, "/")
			var rep reply
			json.Unmarshal([]byte(body), &rep)
			seen <- rep.Count
		})
	}
	wg.Wait()
	close(seen)
	counts := map[int64]bool{}
	for c := range seen {
		counts[c] = true
	}
	for c := int64(1); c <= n; c++ {
		if !counts[c] {
			t.Fatalf("no request got count %d: counts must be 1..%d, each once", c, n)
		}
	}
}

func TestHealthzFailsAfterFailLivenessAfter(t *testing.T) {
	cfg := testConfig
	cfg.failLivenessAfter = 3 * time.Second
	s, clock, _ := newTestServer(cfg)
	h := s.handler()
	for _, step := range []struct {
		advance time.Duration
		code    int
	}{{0, 200}, {2999 * time.Millisecond, 200}, {time.Millisecond, 500}, {time.Hour, 500}} {
		clock.advance(step.advance)
		if code, body := get(t, h, "/healthz"); code != step.code {
			t.Errorf("after %s: /healthz %d %q, want %d", s.uptime(), code, body, step.code)
		}
	}
}

func TestHealthzOKWithoutFailLivenessAfter(t *testing.T) {
	s, clock, _ := newTestServer(testConfig)
	clock.advance(24 * time.Hour)
	if code, body := get(t, s.handler(), "/healthz"); code != 200 || body != "ok" {
		t.Errorf("/healthz %d %q, want 200 \"ok\"", code, body)
	}
}

func TestReadyzWaitsForReadyAfter(t *testing.T) {
	cfg := testConfig
	cfg.readyAfter = 2 * time.Second
	s, clock, logs := newTestServer(cfg)
	h := s.handler()
	for _, step := range []struct {
		advance time.Duration
		code    int
	}{{0, 503}, {1999 * time.Millisecond, 503}, {time.Millisecond, 200}, {time.Hour, 200}} {
		clock.advance(step.advance)
		if code, body := get(t, h, "/readyz"); code != step.code {
			t.Errorf("after %s: /readyz %d %q, want %d", s.uptime(), code, body, step.code)
		}
	}
	if !strings.Contains(logs.String(), "echo: GET /readyz from 192.0.2.1:1234 -> 503\n") {
		t.Errorf("log %q has no line for the 503", logs.String())
	}
}

func TestReadyzReadyAtOnceByDefault(t *testing.T) {
	s, _, _ := newTestServer(testConfig)
	if code, _ := get(t, s.handler(), "/readyz"); code != 200 {
		t.Errorf("/readyz %d, want 200", code)
	}
}

func TestProbesDoNotCount(t *testing.T) {
	s, _, _ := newTestServer(testConfig)
	h := s.handler()
	get(t, h, "/healthz")
	get(t, h, "/readyz")
	if _, body := get(t, h, "/?format=text"); !strings.Contains(body, "count=1 ") {
		t.Errorf("first GET / after two probes: %q, want count=1", body)
	}
}

func TestParseConfig(t *testing.T) {
	full := map[string]string{"POD_NAME": "web", "POD_NAMESPACE": "default", "NODE_NAME": "n1", "POD_IP": "10.0.0.5"}
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		want    config
		wantErr string
	}{
		{name: "defaults", want: config{port: 8080, failLivenessAfter: -1}},
		{name: "identity from env", env: full, want: testConfig},
		{name: "PORT", env: map[string]string{"PORT": "9000"}, want: config{port: 9000, failLivenessAfter: -1}},
		{name: "flag overrides PORT", args: []string{"-port", "9001"}, env: map[string]string{"PORT": "9000"}, want: config{port: 9001, failLivenessAfter: -1}},
		{name: "durations", env: map[string]string{"FAIL_LIVENESS_AFTER": "3s", "READY_AFTER": "500ms"}, want: config{port: 8080, failLivenessAfter: 3 * time.Second, readyAfter: 500 * time.Millisecond}},
		{name: "bad PORT", env: map[string]string{"PORT": "http"}, wantErr: `PORT="http": not a port number`},
		{name: "port out of range", args: []string{"-port=70000"}, wantErr: "port 70000"},
		{name: "bad FAIL_LIVENESS_AFTER", env: map[string]string{"FAIL_LIVENESS_AFTER": "3"}, wantErr: `FAIL_LIVENESS_AFTER="3": not a duration`},
		{name: "negative READY_AFTER", env: map[string]string{"READY_AFTER": "-1s"}, wantErr: `READY_AFTER="-1s": not a duration`},
		{name: "stray argument", args: []string{"serve"}, wantErr: "unexpected arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseConfig(tc.args, func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe to read while the server writes it.
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

func TestServeShutsDownWhenContextEnds(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	s := newServer(testConfig, "host-a", time.Now, &logs)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, s) }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"count":1`) {
		t.Errorf("GET / over the network: %q", body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(shutdownTimeout + time.Second):
		t.Fatal("serve still running after its context ended")
	}
	port := ln.Addr().(*net.TCPAddr).Port
	for _, want := range []string{
		fmt.Sprintf("echo: serving on :%d as pod web in default on node n1\n", port),
		"echo: terminating\n",
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log %q has no line %q", logs.String(), want)
		}
	}
}
