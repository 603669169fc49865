package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ownkube/ownkube/bench/load"
)

// requestTimes records, for the requests of a client it wraps, how long
// each of a kind of request took and how many were in flight at most:
// where a component run in process spends its time waiting on the API.
type requestTimes struct {
	// kind names the requests recorded: "bind"; others pass unrecorded.
	kind func(*http.Request) string
	mu   sync.Mutex
	took map[string][]time.Duration
	now  map[string]int
	peak map[string]int
}

func newRequestTimes(kind func(*http.Request) string) *requestTimes {
	return &requestTimes{kind: kind, took: map[string][]time.Duration{}, now: map[string]int{}, peak: map[string]int{}}
}

// bindOrStatus is the kind of the requests a scheduler and a kubelet write:
// a pod's binding, a pod's status.
func bindOrStatus(r *http.Request) string {
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/binding"):
		return "bind"
	case r.Method == http.MethodPatch && strings.HasSuffix(r.URL.Path, "/status"):
		return "status"
	}
	return ""
}

// wrap is a rest.Config's WrapTransport.
func (t *requestTimes) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		kind := t.kind(r)
		if kind == "" {
			return rt.RoundTrip(r)
		}
		t.begin(kind)
		start := time.Now()
		resp, err := rt.RoundTrip(r)
		t.end(kind, time.Since(start))
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (t *requestTimes) begin(kind string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.now[kind]++
	t.peak[kind] = max(t.peak[kind], t.now[kind])
}

func (t *requestTimes) end(kind string, took time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.now[kind]--
	t.took[kind] = append(t.took[kind], took)
}

// requestStats digests one kind of request.
type requestStats struct {
	load.Summary
	peak int // in flight at most
}

// stats digests the requests of kind recorded so far.
func (t *requestTimes) stats(kind string) requestStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return requestStats{Summary: load.Summarize(slices.Clone(t.took[kind])), peak: t.peak[kind]}
}

func (s requestStats) String() string {
	if s.Count == 0 {
		return "none"
	}
	return fmt.Sprintf("%d, p50 %s, p99 %s, max %s; at most %d in flight",
		s.Count, load.FormatDuration(s.P50), load.FormatDuration(s.P99), load.FormatDuration(s.Max), s.peak)
}
