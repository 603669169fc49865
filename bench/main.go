// Command bench measures the control plane's speed against the targets of
// DESIGN.md. `make bench` runs it:
//
//	go run -tags solutions ./bench [-duration 10s] [-only etcd,create,update,get,startup,replacement,scheduler]
//
// It builds the images from this checkout and, for each kind of cluster the
// benchmarks picked need, brings up a cluster of its own (bench-<random>),
// runs those benchmarks against it and always brings it down again — also
// after an error or Ctrl-C. It prints each figure beside a floor measured in
// the same run, and one line per target.
//
// The API latency benchmarks share a cluster of etcd and the API server.
// Each offers one operation at a fixed rate, open loop (see package load),
// in a namespace of its own, and is printed in a table of latencies beside
// the floor set by etcd itself:
//
//	etcd    raw etcd Put of a ConfigMap's stored JSON, then raw etcd Get (the floor)
//	create  client-go Create of a small ConfigMap, a new name per request
//	update  client-go Update, each request a different pre-created ConfigMap
//	get     client-go Get of pre-created ConfigMaps
//
// The others bring up a cluster each:
//
//	startup    pods created at a steady rate on 2 Docker nodes, each timed from
//	           its create to a watch seeing it Running; floor: a pause and an
//	           echo container started through the Docker API, one pod after
//	           another
//	replacement  a ReplicaSet's pod deleted round after round, each timed
//	           from the delete to its replacement seen Running; floor: bare
//	           pods of the same spec, each timed from create to Running
//	services   GETs of one echo pod from a probe container, straight to the
//	           pod (the floor), through its Service's ClusterIP forwarder and
//	           through its nodePort on the other node
//	notready   a backend of a ClusterIP Service starts failing its readiness
//	           probe while a probe container streams GETs through the
//	           ClusterIP, round after round, each timed from the failure's
//	           onset to its last answer, and to watches seeing its Ready
//	           condition False and its EndpointSlice endpoint not ready;
//	           floor: the probe's period × (failureThreshold − 1), the least
//	           the kubelet needs (at most period × failureThreshold)
//	scheduler  pods bound by the scheduler, run in this process, to simulated
//	           nodes (components/kubelet/simulated), timed from the first
//	           binding a watch sees to the last; floors: raw etcd
//	           compare-and-put transactions, and the scheduling algorithm
//	           alone over the same nodes
//
// It is a measurement, not a test: it exits 0 when a target is not met, and
// non-zero only when it could not measure (no Docker, a failed build, a
// cluster that did not come up, an interruption). Failed requests, and pods
// that never ran, are counted, never hidden.
//
// A new benchmark is a function added to the benchmarks table in
// benchmarks.go, with the cluster it needs, and, if DESIGN.md has a target
// for it, a verdict in report.go.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ownkube/ownkube/bench/load"
	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/images"
)

// tearDownTimeout bounds bringing the cluster down, which runs even after
// Ctrl-C.
const tearDownTimeout = 2 * time.Minute

// options are the command line's.
type options struct {
	load        load.Config
	startup     startupConfig
	replacement replacementConfig
	scheduler   schedulerConfig
	services    servicesConfig
	notReady    notReadyConfig
	only        []string // names of benchmarks to run, in table order
	nodeLoss    nodeLossConfig
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	// A second Ctrl-C is swallowed too, so that the cluster is always removed.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bench(ctx, opts, stdout, stderr); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted: %w", err)
		}
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.DurationVar(&o.load.Duration, "duration", 10*time.Second, "how long each operation is offered")
	fs.Float64Var(&o.load.Rate, "rate", 100, "offered rate of each operation, requests per second")
	fs.IntVar(&o.load.MaxInFlight, "max-in-flight", load.DefaultMaxInFlight, "requests in flight at most; a request planned beyond it is dropped")
	fs.DurationVar(&o.load.Timeout, "timeout", load.DefaultTimeout, "timeout of each request")
	fs.IntVar(&o.startup.Pods, "startup-pods", 30, "startup: pods to create, and times the floor starts a pod's containers")
	fs.Float64Var(&o.startup.Rate, "startup-rate", 5, "startup: offered rate of pod creates, per second")
	fs.DurationVar(&o.startup.Bound, "startup-bound", 60*time.Second, "startup: a pod not Running this long after its create counts as never Running")
	fs.IntVar(&o.replacement.Rounds, "replacement-rounds", 20, "replacement: times a ReplicaSet's pod is deleted, and bare pods the floor starts")
	fs.DurationVar(&o.replacement.Bound, "replacement-bound", 60*time.Second, "replacement: how long a replacement or floor pod may take to be Running")
	fs.IntVar(&o.scheduler.Nodes, "scheduler-nodes", 1000, "scheduler: simulated nodes to register (110 pods each)")
	fs.IntVar(&o.scheduler.Pods, "scheduler-pods", 10000, "scheduler: pods to schedule, and decisions of the scheduler core's floor")
	fs.DurationVar(&o.scheduler.Timeout, "scheduler-timeout", 5*time.Minute, "scheduler: how long the pods may take to be bound, from the scheduler's start")
	fs.StringVar(&o.scheduler.CPUProfile, "scheduler-cpuprofile", "", "scheduler: write a CPU profile of this process, scheduler start to last binding, to this file")
	fs.IntVar(&o.nodeLoss.Pods, "nodeloss-pods", 6, "nodeloss: pods on the node that is stopped")
	fs.DurationVar(&o.nodeLoss.Bound, "nodeloss-bound", 2*time.Minute, "nodeloss: how long each wait (pods started, replaced, the node back) may take")
	fs.IntVar(&o.services.Requests, "services-requests", 2000, "services: GETs sent along each path (direct, ClusterIP, nodePort)")
	fs.IntVar(&o.services.Concurrency, "services-concurrency", 4, "services: GETs in flight at once")
	fs.IntVar(&o.notReady.Rounds, "notready-rounds", 5, "notready: pods that turn not ready, one after another")
	fs.DurationVar(&o.notReady.Bound, "notready-bound", 60*time.Second, "notready: how long each wait of a round (a pod ready, not ready, gone) may take")
	only := fs.String("only", strings.Join(benchmarkNames(), ","), "comma-separated benchmarks to run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.load.Rate <= 0 || o.load.Duration <= 0 || o.load.MaxInFlight <= 0 || o.load.Timeout <= 0 {
		return o, errors.New("-rate, -duration, -max-in-flight and -timeout must be positive")
	}
	if o.load.Planned() < 1 {
		return o, fmt.Errorf("-rate %g for -duration %v plans no request", o.load.Rate, o.load.Duration)
	}
	if o.startup.Pods <= 0 || o.startup.Rate <= 0 || o.startup.Bound <= 0 {
		return o, errors.New("-startup-pods, -startup-rate and -startup-bound must be positive")
	}
	if o.nodeLoss.Pods <= 0 || o.nodeLoss.Bound <= 0 {
		return o, errors.New("-nodeloss-pods and -nodeloss-bound must be positive")
	}
	if o.replacement.Rounds <= 0 || o.replacement.Bound <= 0 {
		return o, errors.New("-replacement-rounds and -replacement-bound must be positive")
	}
	if o.scheduler.Nodes <= 0 || o.scheduler.Pods <= 0 || o.scheduler.Timeout <= 0 {
		return o, errors.New("-scheduler-nodes, -scheduler-pods and -scheduler-timeout must be positive")
	}
	if o.services.Requests <= 0 || o.services.Requests > 100000 || o.services.Concurrency <= 0 || o.services.Concurrency > 256 {
		return o, errors.New("-services-requests must be 1 to 100000 and -services-concurrency 1 to 256")
	}
	if o.notReady.Rounds <= 0 || o.notReady.Rounds > 100 || o.notReady.Bound <= 0 {
		return o, errors.New("-notready-rounds must be 1 to 100 and -notready-bound positive")
	}
	var err error
	o.only, err = selectBenchmarks(*only)
	return o, err
}

// selectBenchmarks parses -only into benchmark names, in table order.
func selectBenchmarks(list string) ([]string, error) {
	known := benchmarkNames()
	var picked []string
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("-only: unknown benchmark %q (known: %s)", name, strings.Join(known, ", "))
		}
		picked = append(picked, name)
	}
	if len(picked) == 0 {
		return nil, fmt.Errorf("-only names no benchmark (known: %s)", strings.Join(known, ", "))
	}
	var ordered []string
	for _, name := range known {
		if slices.Contains(picked, name) {
			ordered = append(ordered, name)
		}
	}
	return ordered, nil
}

// bench builds the images, runs the benchmarks opts picks, each group
// against a cluster of its own, prints what they measured to stdout and
// stops at the first that could not measure. Progress goes to stderr.
func bench(ctx context.Context, opts options, stdout, stderr io.Writer) error {
	fmt.Fprintf(stderr, "Building images (%s) ...\n", defaultImpl)
	if err := images.Build(ctx, images.Options{Impl: defaultImpl, Progress: stderr}); err != nil {
		return fmt.Errorf("build images: %w", err)
	}
	image, err := images.Tag("ownkube", defaultImpl)
	if err != nil {
		return err
	}
	var (
		sections []section
		runErr   error
	)
	for _, g := range plan(opts.only) {
		s, err := runGroup(ctx, g, image, opts, stderr)
		sections = append(sections, s)
		if err != nil {
			runErr = err
			break
		}
	}
	if measured(sections) {
		printReport(stdout, image, opts, sections, runErr == nil)
	}
	return runErr
}

// runGroup brings up a cluster for g, runs g's benchmarks against it and
// brings it down, whatever happened.
func runGroup(ctx context.Context, g group, image string, opts options, stderr io.Writer) (s section, err error) {
	name := "bench-" + randomSuffix()
	s = section{cluster: g.cluster, name: name}
	defer func() {
		downCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tearDownTimeout)
		defer cancel()
		if derr := cluster.Down(downCtx, name, stderr); derr != nil {
			err = errors.Join(err, fmt.Errorf("bring down cluster %s: %w", name, derr))
		}
	}()
	upStart := time.Now()
	c, err := cluster.Up(ctx, g.cluster.config(name, image, stderr))
	if err != nil {
		return s, fmt.Errorf("bring up cluster %s: %w", name, err)
	}
	s.up, s.upTook = c, time.Since(upStart)

	e, err := newEnv(ctx, c, opts, stderr)
	if err != nil {
		return s, err
	}
	defer e.close()
	s.found, err = runBenchmarks(ctx, e, g.benchmarks)
	s.valueSize = len(e.value)
	return s, err
}

func randomSuffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
