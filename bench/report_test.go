package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ownkube/ownkube/bench/load"
	"github.com/ownkube/ownkube/components/cluster"
)

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

// result makes a Result of 100 successful requests, 99 at fast and one at slow,
// so that its p99 is fast and its max slow.
func result(fast, slow time.Duration) load.Result {
	lat := make([]time.Duration, 100)
	for i := range lat {
		lat[i] = fast
	}
	lat[99] = slow
	return load.Result{Planned: 100, Sent: 100, Latencies: lat, Window: time.Second}
}

func TestVerdict(t *testing.T) {
	target := latencyTarget{figure: "mutating API call", ops: []string{"api create", "api update"}, percentile: 99, limit: ms(25)}
	failing := result(ms(3), ms(3))
	failing.Errors = 2
	tests := []struct {
		name string
		ms   []measurement
		want string
	}{
		{"both within", []measurement{
			{op: "etcd put", result: result(ms(90), ms(90))}, // not covered by the target
			{op: "api create", result: result(ms(7.9), ms(100))},
			{op: "api update", result: result(ms(5), ms(5))},
		}, "mutating API call p99 (create, update): 7.9ms — target ≤ 25ms: met"},
		{"worst one counts", []measurement{
			{op: "api create", result: result(ms(7.9), ms(7.9))},
			{op: "api update", result: result(ms(30), ms(30))},
		}, "mutating API call p99 (create, update): 30ms — target ≤ 25ms: NOT met"},
		{"failures are not hidden", []measurement{
			{op: "api create", result: failing},
		}, "mutating API call p99 (create): 3.0ms — target ≤ 25ms: NOT met (2 of 100 requests failed)"},
		{"nothing succeeded", []measurement{
			{op: "api update", result: load.Result{Planned: 100, Errors: 100}},
		}, "mutating API call p99 (update): no request succeeded — target ≤ 25ms: NOT met"},
		{"not run", []measurement{{op: "etcd put", result: result(ms(1), ms(1))}},
			"mutating API call p99: not measured in this run — target ≤ 25ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := target.verdict(tt.ms); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestTableRowsCompareWithTheFloor(t *testing.T) {
	rows := tableRows([]measurement{
		{op: "etcd put", result: result(ms(2), ms(2))},
		{op: "api create", floor: "etcd put", result: result(ms(7.6), ms(7.6))},
		{op: "api get", floor: "etcd get", result: result(ms(1), ms(1))}, // its floor was not run
	}, 100)
	var got [][2]string
	for _, r := range rows {
		got = append(got, [2]string{r.Name, r.Compare})
	}
	want := [][2]string{{"etcd put (floor)", "1.0x put"}, {"api create", "3.8x put"}, {"api get", ""}}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPrintReportJudgesEveryTargetOnce(t *testing.T) {
	sections := []section{
		{cluster: controlPlane, name: "bench-a", up: &cluster.Cluster{Name: "bench-a"},
			found: findings{rows: []measurement{{op: "api create", result: result(ms(5), ms(5))}}}},
		{cluster: simulatedNodes, name: "bench-b", up: &cluster.Cluster{Name: "bench-b"},
			found: findings{scheduler: boundOf(10000, 10000, 8*time.Second)}},
	}
	sections[1].found.scheduler.requests = newRequestTimes(bindOrStatus)
	opts := options{only: []string{"create", "scheduler"}}
	var b strings.Builder
	printReport(&b, "ownkube:solutions", opts, sections, true)
	out := b.String()
	for _, want := range []string{
		"cluster:  bench-a (etcd + apiserver), up in 0.0s",
		"cluster:  bench-b (etcd + apiserver; simulated nodes and the scheduler in this process), up in 0.0s",
		"mutating API call p99 (create): 5.0ms — target ≤ 25ms: met",
		"pod startup: not measured in this run — target p50 ≤ 1s, p99 ≤ 2s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	// Once beside its floors, once among the targets.
	if n := strings.Count(out, "scheduler throughput: 1250 pods/s"); n != 2 {
		t.Errorf("the scheduler's verdict appears %d times, want 2:\n%s", n, out)
	}

	b.Reset()
	printReport(&b, "ownkube:solutions", opts, sections, false)
	if strings.Contains(b.String(), "target ≤ 25ms") || strings.Contains(b.String(), "target ≥ 1000 pods/s") ||
		!strings.Contains(b.String(), "targets are not judged") {
		t.Errorf("an incomplete run was judged:\n%s", b.String())
	}
}
