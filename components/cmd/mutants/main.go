//go:build solutions && mutants

// Command mutants is the kill run (`make test-mutants`): every known-bad
// variant of a learner's region must be killed by its stage's fast tests
// or, failing those, by its stage's e2e specs. It prints the table
// MUTANT STAGE KILLED BY TIME and exits 1 when a mutant survives, 2 when
// the tests could not be run.
//
//	go run -tags solutions,mutants ./components/cmd/mutants [-run REGEXP] [-no-e2e | -e2e-only]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"time"

	"github.com/ownkube/ownkube/components/kit/killrun"
	"github.com/ownkube/ownkube/components/kit/mutant"
	"github.com/ownkube/ownkube/components/kit/mutants"
	"github.com/ownkube/ownkube/components/kit/scenario"
)

func main() {
	run := flag.String("run", "", "run only the mutants whose name matches this regular expression")
	noE2E := flag.Bool("no-e2e", false, "count a mutant the fast tests do not kill as a survivor, without running e2e specs")
	e2eOnly := flag.Bool("e2e-only", false, "skip the fast tests: run each mutant's stage specs, to see which spec kills it")
	fastTimeout := flag.Duration("fast-timeout", 3*time.Minute, "the longest one package's tests may take")
	e2eTimeout := flag.Duration("e2e-timeout", 15*time.Minute, "the longest one stage's e2e run may take")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := kill(ctx, *run, killrun.Options{NoE2E: *noE2E, E2EOnly: *e2eOnly}, *fastTimeout, *e2eTimeout)
	switch {
	case errors.Is(err, killrun.ErrSurvived):
		fmt.Fprintln(os.Stderr, "mutants:", err)
		os.Exit(1)
	case err != nil:
		fmt.Fprintln(os.Stderr, "mutants:", err)
		os.Exit(2)
	}
}

// kill runs the mutants whose names match run, with opts' switches.
func kill(ctx context.Context, run string, opts killrun.Options, fastTimeout, e2eTimeout time.Duration) error {
	start := time.Now()
	re, err := regexp.Compile(run)
	if err != nil {
		return fmt.Errorf("-run: %w", err)
	}
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	root, err := scenario.FindRoot(wd)
	if err != nil {
		return err
	}
	stages, err := scenario.LoadDir(filepath.Join(root, "scenarios"))
	if err != nil {
		return err
	}
	var chosen []mutant.Mutant
	for _, m := range mutants.All() {
		if re.MatchString(m.Name) {
			chosen = append(chosen, m)
		}
	}
	if len(chosen) == 0 {
		return fmt.Errorf("no mutant matches -run %q", run)
	}
	bins, err := os.MkdirTemp("", "ownkube-mutants-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bins)
	runner := &killrun.GoRunner{Root: root, BinDir: bins, FastTimeout: fastTimeout, E2ETimeout: e2eTimeout,
		Log: func(stage int, name string, out []byte) {
			fmt.Fprintf(os.Stderr, "--- e2e of stage %d with mutant %s:\n%s\n", stage, name, out)
		}}
	opts.Mutants, opts.Scenarios, opts.Runner, opts.Out = chosen, stages, runner, os.Stdout
	_, err = killrun.Run(ctx, opts)
	fmt.Printf("%d mutants in %s\n", len(chosen), time.Since(start).Round(time.Second))
	return err
}
