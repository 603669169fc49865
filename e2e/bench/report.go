package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/e2e/bench/load"
)

// latencyTarget is a row of DESIGN.md's Targets table that a latency
// percentile of some operations answers.
type latencyTarget struct {
	figure     string
	ops        []string // the measurements it covers; the worst one counts
	percentile float64
	limit      time.Duration
}

// targets are the rows of DESIGN.md's Targets table this program measures.
var targets = []latencyTarget{
	{figure: "mutating API call", ops: []string{"api create", "api update"}, percentile: 99, limit: 25 * time.Millisecond},
}

// notMeasuredYet are DESIGN.md's other targets, until a benchmark measures them.
var notMeasuredYet = []string{
	"pod startup (p50 ≤ 1s, p99 ≤ 2s)",
	"scheduler throughput with 1,000 simulated nodes (≥ 1,000 pods/s)",
	"cluster up with 3 nodes (≤ 5s)",
	"whole conformance suite on 2 cores (≤ 3 min)",
}

// setup is what the report says about the run besides its measurements.
type setup struct {
	cluster   *cluster.Cluster
	image     string
	upTook    time.Duration
	valueSize int // bytes of the etcd floor's value; 0 if not measured
}

// printReport prints the run's parameters, the table of ms and, if the run
// completed, a verdict per target.
func printReport(w io.Writer, s setup, opts options, ms []measurement, complete bool) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "ownkube control-plane benchmark")
	fmt.Fprintf(w, "machine:  %d CPUs, %s/%s, %s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(w, "cluster:  %s (etcd + apiserver, image %s), up in %.1fs\n", s.cluster.Name, s.image, s.upTook.Seconds())
	fmt.Fprintf(w, "load:     %g requests/s offered per operation, open loop, for %v; at most %d in flight (beyond: dropped); %v timeout\n",
		opts.load.Rate, opts.load.Duration, opts.load.MaxInFlight, opts.load.Timeout)
	fmt.Fprintln(w, "latency:  from each request's planned send time to its answer; successful requests only")
	fmt.Fprintln(w, "clients:  client-go, JSON, no client-side rate limit; etcd clientv3, linearizable reads")
	if s.valueSize > 0 {
		fmt.Fprintf(w, "objects:  ConfigMaps of 2 small keys; etcd floor value: such a ConfigMap's JSON, %d bytes\n", s.valueSize)
	}
	fmt.Fprintf(w, "run:      %s\n\n", strings.Join(opts.only, ","))

	_ = load.WriteTable(w, "vs etcd p99", tableRows(ms, opts.load.Rate))
	printErrors(w, ms)
	fmt.Fprintln(w)
	if !complete {
		fmt.Fprintln(w, "the run did not complete (its last operation may have been cut short): targets are not judged")
		return
	}
	for _, t := range targets {
		fmt.Fprintln(w, t.verdict(ms))
	}
	fmt.Fprintf(w, "not measured yet: %s\n", strings.Join(notMeasuredYet, "; "))
}

// tableRows turns measurements into rows, each API row compared with the
// p99 of its etcd floor.
func tableRows(ms []measurement, rate float64) []load.Row {
	p99 := make(map[string]time.Duration)
	for _, m := range ms {
		if len(m.result.Latencies) > 0 {
			p99[m.op] = load.Percentile(m.result.Latencies, 99)
		}
	}
	rows := make([]load.Row, len(ms))
	for i, m := range ms {
		name, floor := m.op, m.floor
		if floor == "" {
			name, floor = m.op+" (floor)", m.op
		}
		var compare string
		if own, base := p99[m.op], p99[floor]; own > 0 && base > 0 {
			compare = fmt.Sprintf("%.1fx %s", float64(own)/float64(base), strings.TrimPrefix(floor, "etcd "))
		}
		rows[i] = load.Row{Name: name, Offered: rate, Result: m.result, Compare: compare}
	}
	return rows
}

// printErrors lists what went wrong with failed requests, so that a count in
// the table always comes with its cause.
func printErrors(w io.Writer, ms []measurement) {
	for _, m := range ms {
		r := m.result
		if r.Failed() == 0 {
			continue
		}
		fmt.Fprintf(w, "%s: %d of %d planned requests failed (%d errors, %d dropped)\n", m.op, r.Failed(), r.Planned, r.Errors, r.Dropped)
		for _, s := range r.ErrorSamples {
			fmt.Fprintf(w, "    %s\n", s)
		}
	}
}

// verdict is t's line of the report: the worst percentile of the operations
// it covers, and whether it is within the target. A target is not met if
// any request failed, whatever the percentile of those that succeeded.
func (t latencyTarget) verdict(ms []measurement) string {
	var (
		names         []string
		worst         time.Duration
		failed, total int
		succeeded     bool
	)
	for _, m := range ms {
		if !slices.Contains(t.ops, m.op) {
			continue
		}
		names = append(names, strings.TrimPrefix(m.op, "api "))
		if len(m.result.Latencies) > 0 {
			succeeded = true
			worst = max(worst, load.Percentile(m.result.Latencies, t.percentile))
		}
		failed += m.result.Failed()
		total += m.result.Planned
	}
	target := fmt.Sprintf("target ≤ %s", load.FormatDuration(t.limit))
	if len(names) == 0 {
		return fmt.Sprintf("%s p%g: not measured in this run — %s", t.figure, t.percentile, target)
	}
	head := fmt.Sprintf("%s p%g (%s)", t.figure, t.percentile, strings.Join(names, ", "))
	switch {
	case !succeeded:
		return fmt.Sprintf("%s: no request succeeded — %s: NOT met", head, target)
	case worst > t.limit:
		return fmt.Sprintf("%s: %s — %s: NOT met", head, load.FormatDuration(worst), target)
	case failed > 0:
		return fmt.Sprintf("%s: %s — %s: NOT met (%d of %d requests failed)", head, load.FormatDuration(worst), target, failed, total)
	default:
		return fmt.Sprintf("%s: %s — %s: met", head, load.FormatDuration(worst), target)
	}
}
