package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ownkube/ownkube/bench/load"
	"github.com/ownkube/ownkube/components/cluster"
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

// startupTarget is DESIGN.md's pod startup row, and schedulerTarget its
// scheduler throughput row, in pods per second.
var startupTarget = struct{ p50, p99 time.Duration }{p50: time.Second, p99: 2 * time.Second}

const schedulerTarget = 1000

// notMeasuredYet are DESIGN.md's other targets, until a benchmark measures them.
var notMeasuredYet = []string{
	"cluster up with 3 nodes (≤ 5s)",
	"whole conformance suite on 2 cores (≤ 3 min)",
}

// section is one cluster's share of the run: the benchmarks that ran
// against it and what they found.
type section struct {
	cluster topology
	name    string // the cluster's
	// up is the cluster; nil if it did not come up.
	up        *cluster.Cluster
	upTook    time.Duration
	valueSize int // bytes of the etcd floor's value; 0 if not measured
	found     findings
}

// measured reports whether any section has a figure to print.
func measured(sections []section) bool {
	for _, s := range sections {
		f := s.found
		if len(f.rows) > 0 || f.startup != nil || f.replacement != nil || f.scheduler != nil || f.nodeLoss != nil || f.services != nil || f.notReady != nil {
			return true
		}
	}
	return false
}

// printReport prints the run's parameters, what each cluster's benchmarks
// measured and, if the run completed, a verdict per target.
func printReport(w io.Writer, image string, opts options, sections []section, complete bool) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "ownkube control-plane benchmark")
	fmt.Fprintf(w, "machine:  %d CPUs, %s/%s, %s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(w, "image:    %s\n", image)
	fmt.Fprintf(w, "run:      %s\n", strings.Join(opts.only, ","))
	var all findings
	for _, s := range sections {
		fmt.Fprintln(w)
		s.print(w, opts, complete)
		all.add(s.found)
	}
	fmt.Fprintln(w)
	if !complete {
		fmt.Fprintln(w, "the run did not complete (its last operation may have been cut short): targets are not judged")
		return
	}
	for _, t := range targets {
		fmt.Fprintln(w, t.verdict(all.rows))
	}
	fmt.Fprintln(w, all.startup.verdict())
	fmt.Fprintln(w, all.scheduler.verdict())
	fmt.Fprintln(w, all.services.verdict())
	fmt.Fprintf(w, "not measured yet: %s\n", strings.Join(notMeasuredYet, "; "))
}

// print prints the cluster and each kind of figure found on it; a figure
// that answers a target is judged if judged.
func (s section) print(w io.Writer, opts options, judged bool) {
	if s.up == nil {
		fmt.Fprintf(w, "cluster:  %s (%s) did not come up\n", s.name, s.cluster.name)
		return
	}
	fmt.Fprintf(w, "cluster:  %s (%s), up in %.1fs\n", s.name, s.cluster.name, s.upTook.Seconds())
	if len(s.found.rows) > 0 {
		printLatencies(w, opts, s.valueSize, s.found.rows)
	}
	if s.found.startup != nil {
		s.found.startup.print(w)
	}
	if s.found.replacement != nil {
		s.found.replacement.print(w)
	}
	if s.found.scheduler != nil {
		s.found.scheduler.print(w, judged)
	}
	if s.found.nodeLoss != nil {
		s.found.nodeLoss.print(w)
	}
	if s.found.services != nil {
		s.found.services.print(w)
	}
	if s.found.notReady != nil {
		s.found.notReady.print(w)
	}
}

// printLatencies prints the API latency benchmarks' load, their table of
// ms and the causes of their failed requests.
func printLatencies(w io.Writer, opts options, valueSize int, ms []measurement) {
	fmt.Fprintf(w, "load:     %g requests/s offered per operation, open loop, for %v; at most %d in flight (beyond: dropped); %v timeout\n",
		opts.load.Rate, opts.load.Duration, opts.load.MaxInFlight, opts.load.Timeout)
	fmt.Fprintln(w, "latency:  from each request's planned send time to its answer; successful requests only")
	fmt.Fprintln(w, "clients:  client-go, JSON, no client-side rate limit; etcd clientv3, linearizable reads")
	if valueSize > 0 {
		fmt.Fprintf(w, "objects:  ConfigMaps of 2 small keys; etcd floor value: such a ConfigMap's JSON, %d bytes\n", valueSize)
	}
	fmt.Fprintln(w)
	_ = load.WriteTable(w, "vs etcd p99", tableRows(ms, opts.load.Rate))
	printErrors(w, ms)
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

// print prints the pod startup benchmark's setup and a table of the pods'
// latencies beside the floor's.
func (f *startupFigures) print(w io.Writer) {
	c := f.cfg
	fmt.Fprintf(w, "pods:     %d × %s (restartPolicy Always, no requests), created through client-go at %g/s, open loop, on %d Docker nodes\n",
		c.Pods, f.image, c.Rate, f.nodes)
	fmt.Fprintf(w, "latency:  from each pod's create request sent to a watch on its namespace seeing it Running; a pod not Running within %v is an error", c.Bound)
	if c.Pods < 100 {
		fmt.Fprintf(w, "; of %d pods, p99 is the slowest", c.Pods)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "floor:    %d times, one after another: a pause container on the cluster network, then an echo container in its network namespace,\n", c.Pods)
	fmt.Fprintln(w, "          created and started through the Docker API; from the first create to the second start's answer")
	fmt.Fprintln(w)
	rows := []load.Row{{Name: "pod startup", Offered: c.Rate, Result: f.pods, Compare: ratios(f.pods, f.floor)}}
	if f.floor.Planned > 0 {
		rows = append(rows, load.Row{Name: "docker pause+echo (floor)", Result: f.floor})
	}
	_ = load.WriteTable(w, "vs floor p50, p99", rows)
	printErrors(w, []measurement{{op: "pod startup", result: f.pods}, {op: "docker pause+echo", result: f.floor}})
	printPhases(w, f.phases)
	fmt.Fprintf(w, "not Running within %v: %d of %d pods created; cleanup: %s\n", c.Bound, f.notRunning, f.pods.Sent-f.createErrors(), f.cleanup)
}

// printPhases prints the p50 and p99 of each phase, aligned.
func printPhases(w io.Writer, phases []phase) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, p := range phases {
		head := "phases:"
		if i > 0 {
			head = ""
		}
		s := load.Summarize(p.took)
		if s.Count == 0 {
			fmt.Fprintf(tw, "%-10s%s\t-\n", head, p.name)
			continue
		}
		fmt.Fprintf(tw, "%-10s%s\tp50 %s\tp99 %s\t(%d pods)\n", head, p.name, load.FormatDuration(s.P50), load.FormatDuration(s.P99), s.Count)
	}
	_ = tw.Flush()
}

// createErrors counts the pods whose create failed.
func (f *startupFigures) createErrors() int { return f.pods.Errors - f.notRunning }

// ratios compares the p50 and p99 of res with those of floor: "3.1x, 2.4x".
func ratios(res, floor load.Result) string {
	if len(res.Latencies) == 0 || len(floor.Latencies) == 0 {
		return ""
	}
	ratio := func(p float64) float64 {
		return float64(load.Percentile(res.Latencies, p)) / float64(load.Percentile(floor.Latencies, p))
	}
	return fmt.Sprintf("%.1fx, %.1fx", ratio(50), ratio(99))
}

// verdict is the pod startup target's line; f is nil if it did not run.
func (f *startupFigures) verdict() string {
	target := fmt.Sprintf("target p50 ≤ %v, p99 ≤ %v", startupTarget.p50, startupTarget.p99)
	if f == nil {
		return "pod startup: not measured in this run — " + target
	}
	head := fmt.Sprintf("pod startup, create → Running (%d pods, %d Docker nodes)", f.cfg.Pods, f.nodes)
	if len(f.pods.Latencies) == 0 {
		return fmt.Sprintf("%s: no pod Running within %v — %s: NOT met", head, f.cfg.Bound, target)
	}
	p50, p99 := load.Percentile(f.pods.Latencies, 50), load.Percentile(f.pods.Latencies, 99)
	line := fmt.Sprintf("%s: p50 %s, p99 %s — %s", head, load.FormatDuration(p50), load.FormatDuration(p99), target)
	switch failed := f.pods.Failed(); {
	case p50 > startupTarget.p50 || p99 > startupTarget.p99:
		return line + ": NOT met"
	case failed > 0:
		return fmt.Sprintf("%s: NOT met (%d of %d pods not Running within %v)", line, failed, f.pods.Planned, f.cfg.Bound)
	default:
		return line + ": met"
	}
}

// print prints the scheduler benchmark's setup, its phases, and its
// throughput beside its floors, judged if judged.
func (f *schedulerFigures) print(w io.Writer, judged bool) {
	c := f.cfg
	fmt.Fprintf(w, "nodes:    %d simulated (32 cpu, 256Gi, 110 pods each; their pods marked Running by this process), registered in %.1fs\n",
		c.Nodes, f.registered.Seconds())
	fmt.Fprintf(w, "pods:     %d (10m cpu, 16Mi), created %d at a time before the scheduler started, in %.1fs (%.0f/s)\n",
		c.Pods, createWorkers, f.created.Seconds(), perSecond(c.Pods, f.created))
	fmt.Fprintln(w, "clients:  client-go, no client-side rate limit; the scheduler and the simulated nodes in this process, each its own, speaking protobuf as client-go does by default; the watch in JSON")
	fmt.Fprintf(w, "phases:   scheduler start → first binding seen  %s (its informers' list)\n", load.FormatDuration(f.toFirstBind))
	fmt.Fprintf(w, "          first → last binding seen          %s (%d of %d pods bound)\n", load.FormatDuration(f.bindSpan), f.bound, c.Pods)
	fmt.Fprintf(w, "          first binding → last Running seen  %s (%d of %d bound pods Running)\n", load.FormatDuration(f.runningSpan), f.running, f.bound)
	fmt.Fprintf(w, "requests: scheduler's bindings        %s\n", f.requests.stats("bind"))
	fmt.Fprintf(w, "          simulated nodes' status patches  %s\n", f.requests.stats("status"))
	fmt.Fprintln(w)
	if judged {
		fmt.Fprintln(w, f.verdict())
	} else {
		fmt.Fprintln(w, f.figure())
	}
	if e := f.etcd; e.clients > 0 {
		fmt.Fprintf(w, "etcd txn floor: %.0f txn/s (compare-and-put of new keys, a stored pod's JSON of %d bytes; %d concurrent clients for %v; %d failed)\n",
			e.rate(), e.valueSize, e.clients, etcdFloorDuration, e.errors)
	}
	if c := f.core; c.nodes > 0 {
		fmt.Fprintf(w, "scheduler core: %.0f decisions/s (%d decisions over %d nodes, each pod then counted on its node; no I/O)\n",
			c.rate(), c.decisions, c.nodes)
	}
}

// verdict is the scheduler throughput target's line; f is nil if it did
// not run.
func (f *schedulerFigures) verdict() string {
	target := fmt.Sprintf("target ≥ %d pods/s", schedulerTarget)
	switch {
	case f == nil:
		return "scheduler throughput: not measured in this run — " + target
	case f.bound < f.cfg.Pods:
		return fmt.Sprintf("%s — %s: NOT met (the rest not bound within %v)", f.figure(), target, f.cfg.Timeout)
	case f.throughput() < schedulerTarget:
		return fmt.Sprintf("%s — %s: NOT met", f.figure(), target)
	default:
		return fmt.Sprintf("%s — %s: met", f.figure(), target)
	}
}

// figure is the scheduler's throughput and what it was measured over.
func (f *schedulerFigures) figure() string {
	if f.bound < 2 {
		return fmt.Sprintf("scheduler throughput: %d of %d pods bound", f.bound, f.cfg.Pods)
	}
	over := fmt.Sprintf("over %d pods", f.bound)
	if f.bound < f.cfg.Pods {
		over = fmt.Sprintf("over %d of %d pods", f.bound, f.cfg.Pods)
	}
	return fmt.Sprintf("scheduler throughput: %.0f pods/s (first bind → last bind %s, %d nodes)", f.throughput(), over, f.cfg.Nodes)
}
