package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ownkube/ownkube/bench/load"
)

func TestBetween(t *testing.T) {
	from := map[string]time.Time{"a": at(0), "b": at(100), "c": at(200), "d": at(300)}
	to := map[string]time.Time{"a": at(900), "b": at(400), "c": at(5000)} // d never seen
	got := between(from, to, time.Second)
	if want := []time.Duration{ms(300), ms(900)}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v: sorted, and c (4.8s) beyond the 1s bound left out", got, want)
	}
}

func TestStartupResult(t *testing.T) {
	creates := load.Result{Planned: 5, Sent: 5, Errors: 1, ErrorSamples: []string{"create pod startup-004: boom"},
		Latencies: []time.Duration{ms(3), ms(3), ms(3), ms(3)}, Window: time.Second}
	created := map[string]time.Time{"startup-000": at(0), "startup-001": at(200), "startup-002": at(400), "startup-003": at(600)}
	running := map[string]time.Time{"startup-000": at(700), "startup-001": at(1200), "startup-003": at(70_000)}
	got := startupResult(creates, created, running, time.Minute)

	if want := []time.Duration{ms(700), ms(1000)}; !slices.Equal(got.Latencies, want) {
		t.Errorf("latencies %v, want %v: from each create sent to Running seen", got.Latencies, want)
	}
	// The failed create, 002 never Running, 003 Running after the bound.
	if got.Errors != 3 || got.Sent != 5 || got.Planned != 5 {
		t.Errorf("errors/sent/planned = %d/%d/%d, want 3/5/5", got.Errors, got.Sent, got.Planned)
	}
	wantSamples := []string{"create pod startup-004: boom", "not Running within 1m0s: startup-002 and 1 more"}
	if !slices.Equal(got.ErrorSamples, wantSamples) {
		t.Errorf("samples %q, want %q", got.ErrorSamples, wantSamples)
	}
	if creates.ErrorSamples[0] != wantSamples[0] || len(creates.ErrorSamples) != 1 {
		t.Errorf("startupResult changed the creates' samples: %q", creates.ErrorSamples)
	}
	if got.Window != 70*time.Second {
		t.Errorf("window %v, want from the first create to the last Running, 70s", got.Window)
	}
}

// startupOf makes the figures of a startup run whose pods took lat each and
// whose notRunning others never ran.
func startupOf(notRunning int, lat ...time.Duration) *startupFigures {
	n := len(lat) + notRunning
	return &startupFigures{
		cfg:        startupConfig{Pods: n, Rate: 5, Bound: time.Minute},
		nodes:      2,
		pods:       load.Result{Planned: n, Sent: n, Errors: notRunning, Latencies: lat},
		notRunning: notRunning,
	}
}

func TestStartupVerdict(t *testing.T) {
	head := "pod startup, create → Running "
	tests := []struct {
		name string
		f    *startupFigures
		want string
	}{
		{"within", startupOf(0, ms(500), ms(900), ms(1500)),
			head + "(3 pods, 2 Docker nodes): p50 900ms, p99 1.50s — target p50 ≤ 1s, p99 ≤ 2s: met"},
		{"p50 beyond", startupOf(0, ms(500), ms(1100), ms(1500)),
			head + "(3 pods, 2 Docker nodes): p50 1.10s, p99 1.50s — target p50 ≤ 1s, p99 ≤ 2s: NOT met"},
		{"p99 beyond", startupOf(0, ms(500), ms(600), ms(2100)),
			head + "(3 pods, 2 Docker nodes): p50 600ms, p99 2.10s — target p50 ≤ 1s, p99 ≤ 2s: NOT met"},
		{"a pod never ran", startupOf(1, ms(500), ms(600)),
			head + "(3 pods, 2 Docker nodes): p50 500ms, p99 600ms — target p50 ≤ 1s, p99 ≤ 2s: NOT met (1 of 3 pods not Running within 1m0s)"},
		{"none ran", startupOf(2),
			head + "(2 pods, 2 Docker nodes): no pod Running within 1m0s — target p50 ≤ 1s, p99 ≤ 2s: NOT met"},
		{"not run", nil, "pod startup: not measured in this run — target p50 ≤ 1s, p99 ≤ 2s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.verdict(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRatios(t *testing.T) {
	pods := load.Result{Latencies: []time.Duration{ms(600), ms(800), ms(1200)}}
	floor := load.Result{Latencies: []time.Duration{ms(300), ms(400), ms(400)}}
	if got, want := ratios(pods, floor), "2.0x, 3.0x"; got != want {
		t.Errorf("ratios = %q, want %q (p50, p99)", got, want)
	}
	if got := ratios(pods, load.Result{}); got != "" {
		t.Errorf("ratios without a floor = %q, want none", got)
	}
}

func TestStartupPrintsTheFloorBeside(t *testing.T) {
	f := startupOf(0, ms(600), ms(800))
	f.image, f.cleanup = "ownkube/echo:latest", "the 2 pods were gone 1.00s after their namespace was deleted"
	f.floor = load.Result{Planned: 2, Sent: 2, Latencies: []time.Duration{ms(300), ms(400)}, Window: ms(700)}
	f.phases = []phase{{"create sent → bound seen (scheduler)", []time.Duration{ms(5), ms(9)}}, {"  pause → app", nil}}
	var b strings.Builder
	f.print(&b)
	for _, want := range []string{
		"pod startup                5          0.0         600ms  800ms  800ms  0       0        2.0x, 2.0x",
		"docker pause+echo (floor)  -          2.9         300ms  400ms  400ms  0       0        -",
		"\nphases:   create sent → bound seen (scheduler)  p50 5.0ms  p99 9.0ms  (2 pods)\n",
		"\n            pause → app                         -\n",
		"not Running within 1m0s: 0 of 2 pods created; cleanup: the 2 pods were gone",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, b.String())
		}
	}
}

func TestStartupPhases(t *testing.T) {
	created, bound, sandbox, app, running := newSightings(), newSightings(), newSightings(), newSightings(), newSightings()
	for name, offset := range map[string]float64{"a": 0, "b": 1000} {
		created.see(name, at(offset))
		bound.see(name, at(offset+10))
		sandbox.see(name, at(offset+110))
		app.see(name, at(offset+410))
		running.see(name, at(offset+600))
	}
	var got []string
	for _, p := range startupPhases(time.Minute, created, bound, sandbox, app, running) {
		got = append(got, fmt.Sprintf("%s %v", strings.TrimSpace(p.name), p.took))
	}
	want := []string{
		"create sent → bound seen (scheduler) [10ms 10ms]",
		"bound seen → Running seen (kubelet) [590ms 590ms]",
		"bound seen → pause container created [100ms 100ms]",
		"pause created → app container started (Docker, and the kubelet between) [300ms 300ms]",
		"app started → Running seen (status written, watched) [190ms 190ms]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
