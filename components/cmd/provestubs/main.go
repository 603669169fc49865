// Command provestubs is the kit's stub proof (components/kit/stubproof):
// it runs every stage's topology and specs against the untouched exercises
// and fails unless every spec that is not labelled given fails there.
//
//	go run ./components/cmd/provestubs [--stage N]... [--timeout 10m] [--logs DIR]
//
// It prints one line per stage, "stage N: M specs fail on stubs, G given
// specs exempt (P passed)", and below it each spec that survived the stubs.
// Only untouched exercises are proven: where a learner has edited one (by
// exgen's records), it says so and proves nothing, since make check grades
// the learner's code instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ownkube/ownkube/components/kit/exgen"
	"github.com/ownkube/ownkube/components/kit/stubproof"
)

// learnersWork lists the files of exercises/ a learner has edited, as the
// drift check knows them by their recorded hashes.
func learnersWork() ([]string, error) {
	res, err := exgen.Generate(exgen.Config{Solutions: "solutions"})
	if err != nil {
		return nil, fmt.Errorf("generate the exercises to compare: %w", err)
	}
	rep, err := exgen.Check("exercises", res.Files)
	if err != nil {
		return nil, fmt.Errorf("compare exercises/ with what solutions/ generates: %w", err)
	}
	return rep.Learner, nil
}

// stages is a repeatable --stage flag.
type stages []int

func (s *stages) String() string { return fmt.Sprint(*s) }

func (s *stages) Set(v string) error {
	var n int
	if _, err := fmt.Sscan(v, &n); err != nil || n < 1 {
		return fmt.Errorf("give a stage number such as 3, not %q", v)
	}
	*s = append(*s, n)
	return nil
}

func main() {
	var opts stubproof.Options
	flag.Var((*stages)(&opts.Stages), "stage", "prove this stage (repeatable); default every stage")
	flag.DurationVar(&opts.Timeout, "timeout", 10*time.Minute, "the longest one stage's e2e run may take")
	flag.StringVar(&opts.LogDir, "logs", "", "keep each stage's log and Ginkgo report here; default a new temporary directory")
	flag.BoolVar(&opts.OwnStage, "own-stage", false, "prove only each stage's own specs (stageN), with the earlier stages' components from the reference: lists the specs a stage's learner gets for free")
	flag.BoolVar(&opts.Rejudge, "rejudge", false, "judge the reports a former run left in --logs instead of running the suite")
	flag.Parse()
	if learner, err := learnersWork(); err != nil {
		fmt.Fprintln(os.Stderr, "provestubs: "+err.Error())
		os.Exit(1)
	} else if len(learner) > 0 {
		// A learner's clone keeps a green make test: their code is no
		// stub, and make check grades it.
		fmt.Printf("provestubs: skipped: exercises/ holds your work (%s); the stub proof is the kit's, on untouched exercises, and make check grades yours\n",
			strings.Join(learner, ", "))
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := stubproof.Run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "provestubs: "+err.Error())
		os.Exit(1)
	}
}
