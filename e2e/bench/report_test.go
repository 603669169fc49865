package main

import (
	"slices"
	"testing"
	"time"

	"github.com/ownkube/ownkube/e2e/bench/load"
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
