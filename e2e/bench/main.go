// Command bench measures the control plane's speed against the targets of
// DESIGN.md. `make bench` runs it:
//
//	go run -tags solutions ./e2e/bench [-duration 10s] [-only create,update,get,etcd]
//
// It builds the images from this checkout, brings up a cluster of its own
// (bench-<random>: etcd and the API server), offers each operation at a fixed
// rate, open loop (see package load), prints a table of latencies beside the
// floor set by etcd itself and one line per target, and always brings the
// cluster down again — also after an error or Ctrl-C.
//
// Each operation runs in a namespace of its own, in this order:
//
//	etcd    raw etcd Put of a ConfigMap's stored JSON, then raw etcd Get (the floor)
//	create  client-go Create of a small ConfigMap, a new name per request
//	update  client-go Update, each request a different pre-created ConfigMap
//	get     client-go Get of pre-created ConfigMaps
//
// It is a measurement, not a test: it exits 0 when a target is not met, and
// non-zero only when it could not measure (no Docker, a failed build, a
// cluster that did not come up, an interruption). Failed requests are counted
// in the table, never hidden.
//
// A new benchmark (pod startup, scheduler throughput) is a function added to
// the benchmarks table in benchmarks.go, and, if DESIGN.md has a target for
// it, a row in targets (report.go).
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

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/images"
	"github.com/ownkube/ownkube/e2e/bench/load"
)

// tearDownTimeout bounds bringing the cluster down, which runs even after
// Ctrl-C.
const tearDownTimeout = 2 * time.Minute

// options are the command line's.
type options struct {
	load load.Config
	only []string // names of benchmarks to run, in table order
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

// bench builds the images, brings up a cluster, runs the benchmarks opts
// picks against it, prints what they measured to stdout and brings the
// cluster down. Progress goes to stderr.
func bench(ctx context.Context, opts options, stdout, stderr io.Writer) (err error) {
	fmt.Fprintf(stderr, "Building images (%s) ...\n", defaultImpl)
	if err := images.Build(ctx, images.Options{Impl: defaultImpl, Progress: stderr}); err != nil {
		return fmt.Errorf("build images: %w", err)
	}
	image, err := images.Tag("ownkube", defaultImpl)
	if err != nil {
		return err
	}

	name := "bench-" + randomSuffix()
	defer func() {
		downCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tearDownTimeout)
		defer cancel()
		if derr := cluster.Down(downCtx, name, stderr); derr != nil {
			err = errors.Join(err, fmt.Errorf("bring down cluster %s: %w", name, derr))
		}
	}()
	upStart := time.Now()
	c, err := cluster.Up(ctx, cluster.Config{Name: name, Image: image, Progress: stderr})
	if err != nil {
		return fmt.Errorf("bring up cluster %s: %w", name, err)
	}
	setup := setup{cluster: c, image: image, upTook: time.Since(upStart)}

	e, err := newEnv(ctx, c, opts.load, stderr)
	if err != nil {
		return err
	}
	defer e.close()

	ms, runErr := runBenchmarks(ctx, e, opts.only)
	setup.valueSize = len(e.value)
	if len(ms) > 0 {
		printReport(stdout, setup, opts, ms, runErr == nil)
	}
	return runErr
}

func randomSuffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
