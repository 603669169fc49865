package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// probe runs the program with args and returns its exit code, stdout and
// stderr.
func probe(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// closedAddr is a 127.0.0.1 address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// flakyServer answers 503 to its first failures requests, then 200.
func flakyServer(t *testing.T, failures int64) *httptest.Server {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= failures {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"pod":"web","path":"` + r.URL.Path + `"}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPPrintsBodyAsIs(t *testing.T) {
	srv := flakyServer(t, 0)
	code, stdout, stderr := probe(t, "http", srv.URL+"/x")
	if code != 0 || stdout != `{"pod":"web","path":"/x"}` || stderr != "" {
		t.Errorf("got %d %q %q; want 0, the body, no stderr", code, stdout, stderr)
	}
}

func TestHTTPWrongStatusFails(t *testing.T) {
	srv := flakyServer(t, 1)
	code, stdout, stderr := probe(t, "http", srv.URL)
	if code != 1 || stdout != "not yet\n" || !strings.Contains(stderr, "status 503, want 200") {
		t.Errorf("got %d %q %q; want 1, the body, the status on stderr", code, stdout, stderr)
	}
}

func TestHTTPExpect(t *testing.T) {
	srv := flakyServer(t, 1)
	if code, _, stderr := probe(t, "http", srv.URL, "-expect", "503"); code != 0 {
		t.Errorf("-expect 503 against a 503: exit %d, %q", code, stderr)
	}
}

func TestHTTPRetriesUntilSuccess(t *testing.T) {
	srv := flakyServer(t, 2)
	code, stdout, stderr := probe(t, "http", srv.URL, "-retries", "3", "-interval", "1ms")
	if code != 0 || !strings.HasPrefix(stdout, `{"pod":"web"`) {
		t.Fatalf("got %d %q %q; want success on the third attempt", code, stdout, stderr)
	}
	if n := strings.Count(stderr, "retrying in 1ms"); n != 2 {
		t.Errorf("stderr %q: %d retries reported, want 2", stderr, n)
	}
}

func TestHTTPGivesUpAfterRetries(t *testing.T) {
	srv := flakyServer(t, 5)
	code, _, stderr := probe(t, "http", "-retries=1", "-interval=1ms", srv.URL)
	if code != 1 || !strings.Contains(stderr, "gave up after 2 attempts") {
		t.Errorf("got %d %q; want 1 and the attempts on stderr", code, stderr)
	}
}

func TestHTTPClosedPort(t *testing.T) {
	code, stdout, stderr := probe(t, "http", "http://"+closedAddr(t)+"/")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "connection refused") {
		t.Errorf("got %d %q %q; want 1 and connection refused", code, stdout, stderr)
	}
}

func TestHTTPTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	start := time.Now()
	code, _, stderr := probe(t, "http", srv.URL, "-timeout", "50ms")
	if code != 1 || time.Since(start) > 2*time.Second || !strings.Contains(stderr, "Timeout") {
		t.Errorf("got %d %q after %s; want 1 and a timeout", code, stderr, time.Since(start))
	}
}

func TestTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, stdout, stderr := probe(t, "tcp", ln.Addr().String())
	if want := "connected to " + ln.Addr().String() + "\n"; code != 0 || stdout != want {
		t.Errorf("got %d %q %q; want 0 %q", code, stdout, stderr, want)
	}
}

func TestTCPClosedPort(t *testing.T) {
	code, stdout, stderr := probe(t, "tcp", closedAddr(t), "-retries", "2", "-interval", "1ms")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "connection refused (gave up after 3 attempts)") {
		t.Errorf("got %d %q %q; want 1 and connection refused", code, stdout, stderr)
	}
}

func TestRetryStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stderr bytes.Buffer
	code := run(ctx, []string{"tcp", closedAddr(t), "-retries", "100", "-interval", "1h"}, &bytes.Buffer{}, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "stopped after 1 of 101 attempts") {
		t.Errorf("got %d %q; want 1, stopped at once", code, stderr.String())
	}
}

func TestParseArgs(t *testing.T) {
	defaults := request{kind: "http", target: "http://web/", expect: 200, interval: 500 * time.Millisecond, timeout: 2 * time.Second}
	for _, tc := range []struct {
		args    []string
		want    request
		wantErr string
	}{
		{args: []string{"http", "http://web/"}, want: defaults},
		{
			args: []string{"http", "-retries", "3", "http://web/", "-expect=404", "-interval", "1s", "-timeout", "5s"},
			want: request{kind: "http", target: "http://web/", expect: 404, retries: 3, interval: time.Second, timeout: 5 * time.Second},
		},
		{args: []string{"tcp", "web:80", "-timeout", "1s"}, want: request{kind: "tcp", target: "web:80", expect: 200, interval: 500 * time.Millisecond, timeout: time.Second}},
		{args: nil, wantErr: "no command"},
		{args: []string{"udp", "web:53"}, wantErr: `unknown command "udp"`},
		{args: []string{"http"}, wantErr: "want one target, got 0"},
		{args: []string{"http", "http://a/", "http://b/"}, wantErr: "want one target, got 2"},
		{args: []string{"http", "web:8080"}, wantErr: "want a URL"},
		{args: []string{"tcp", "web"}, wantErr: "want host:port"},
		{args: []string{"tcp", "web:80", "-expect", "200"}, wantErr: "flag provided but not defined: -expect"},
		{args: []string{"http", "http://web/", "-expect", "42"}, wantErr: "not an HTTP status"},
		{args: []string{"http", "http://web/", "-retries", "-1"}, wantErr: "-retries -1"},
		{args: []string{"http", "http://web/", "-timeout", "0s"}, wantErr: "-timeout 0s"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			got, err := parseArgs(tc.args)
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

func TestUsageErrorExitsTwo(t *testing.T) {
	code, _, stderr := probe(t, "http")
	if code != 2 || !strings.Contains(stderr, "usage:") {
		t.Errorf("got %d %q; want 2 and the usage", code, stderr)
	}
}

func TestRepeatCountsAnswersByPod(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"pod":"web-` + string(rune('a'+n.Add(1)%2)) + `"}`))
	}))
	t.Cleanup(srv.Close)
	code, stdout, _ := probe(t, "repeat", srv.URL, "-count", "10", "-concurrency", "2")
	if code != 0 || !strings.Contains(stdout, `"answers":{"web-a":5,"web-b":5}`) || !strings.Contains(stdout, `"failures":0`) {
		t.Errorf("got %d %q; want 0 and five answers from each pod", code, stdout)
	}
}

func TestRepeatReportsFailures(t *testing.T) {
	code, stdout, stderr := probe(t, "repeat", "http://"+closedAddr(t)+"/", "-count", "3")
	if code != 1 || !strings.Contains(stdout, `"failures":3`) || !strings.Contains(stderr, "3 of 3 requests failed") {
		t.Errorf("got %d %q %q; want 1 and three failures", code, stdout, stderr)
	}
	if code, _, _ := probe(t, "repeat", "http://x/", "-count", "0"); code != 2 {
		t.Errorf("-count 0: exit %d, want 2", code)
	}
}

func TestRepeatPacesAndSaysWhenEachPodLastAnswered(t *testing.T) {
	srv := flakyServer(t, 0)
	before := float64(time.Now().UnixMicro()) / 1000
	start := time.Now()
	code, stdout, _ := probe(t, "repeat", srv.URL, "-count", "4", "-pace", "50ms")
	took := time.Since(start)
	after := float64(time.Now().UnixMicro()) / 1000
	var sum summary
	if err := json.Unmarshal([]byte(stdout), &sum); code != 0 || err != nil {
		t.Fatalf("got %d %q (%v); want 0 and a summary", code, stdout, err)
	}
	if last := sum.LastAnswerUnixMillis["web"]; last < before+150 || last > after {
		t.Errorf("web last answered at %f, want within [%f, %f]: after the fourth request, three paces in", last, before+150, after)
	}
	if took < 200*time.Millisecond {
		t.Errorf("4 requests paced 50ms took %v, want at least 200ms", took)
	}
	if code, _, _ := probe(t, "repeat", srv.URL, "-pace", "-1s"); code != 2 {
		t.Errorf("-pace -1s: exit %d, want 2", code)
	}
}

func TestHTTPSTrustsTheCAGiven(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "secure") }))
	defer srv.Close()
	ca := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	if code, stdout, stderr := probe(t, "http", srv.URL+"/", "-ca-pem", ca); code != 0 || stdout != "secure" {
		t.Errorf("with the server's CA: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, _, stderr := probe(t, "http", srv.URL+"/"); code != 1 || !strings.Contains(stderr, "certificate") {
		t.Errorf("without it: exit %d, stderr %q; want 1 and a certificate error", code, stderr)
	}
}
