package check

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ownkube/ownkube/components/kit/scenario"
)

// Implementations a check grades.
const (
	Exercises = "exercises"
	Solutions = "solutions"
)

// Options configure Run; the zero value of a field is its default.
type Options struct {
	// Root is the repository's root; default: found from the working directory.
	Root string
	// Stage is the last stage to grade; 0 grades every stage.
	Stage int
	// Impl is Exercises (default) or Solutions.
	Impl string
	// Reference names components (scenario.Referable) to run from the
	// reference solutions instead of Impl, so a learner stuck on one stage
	// can work on the next; the stages that run them are marked so.
	Reference []string
	// Focus, if set, runs only the e2e specs whose text matches it.
	Focus string
	// Repeat runs each stage's specs this many times, each with its own
	// random seed; default 1.
	Repeat int
	// KeepGoing grades the later stages after a failing one.
	KeepGoing bool
	// JUnit and JSON, if set, are files to write the results to.
	JUnit, JSON string
	// Timeout bounds each e2e run of a stage; default 20m.
	Timeout time.Duration
	// Out receives the progress lines and the table; default os.Stdout.
	Out io.Writer
	// Go is the go command; default "go".
	Go string
	// SuiteChanged lists the spec files that differ from the suite as
	// shipped; nil skips the check.
	SuiteChanged func(root string) ([]string, error)
	// Preflight checks that Docker answers; nil skips it (tests).
	Preflight func(ctx context.Context) error
}

// Report is the result of a check.
type Report struct {
	Impl string `json:"impl"`
	// Reference are the components run from the reference solutions.
	Reference []string      `json:"reference,omitempty"`
	Stages    []StageResult `json:"stages"`
	// Points is the sum of the stages' points, out of MaxPoints.
	Points    int `json:"points"`
	MaxPoints int `json:"maxPoints"`
	// ChangedSpecs are spec files that differ from the shipped suite; a run
	// with any does not count.
	ChangedSpecs []string `json:"changedSpecs,omitempty"`
	Counts       bool     `json:"counts"`
	ExitCode     int      `json:"exitCode"`
}

func (o Options) withDefaults() (Options, error) {
	if o.Root == "" {
		root, err := scenario.FindRoot(".")
		if err != nil {
			return o, infraError("%v", err)
		}
		o.Root = root
	}
	o.Impl = cmpOr(o.Impl, Exercises)
	if o.Impl != Exercises && o.Impl != Solutions {
		return o, &ExitError{Code: ExitInfra, Msg: fmt.Sprintf("--impl %q: choose %s or %s", o.Impl, Exercises, Solutions)}
	}
	if len(o.Reference) > 0 && o.Impl == Solutions {
		return o, &ExitError{Code: ExitInfra, Msg: "--reference with --impl solutions: every component already is the reference's; leave one of them out"}
	}
	for _, c := range o.Reference {
		if !slices.Contains(scenario.Referable, c) {
			return o, &ExitError{Code: ExitInfra, Msg: fmt.Sprintf("--reference %q: choose among %s", c, strings.Join(scenario.Referable, ", "))}
		}
	}
	if o.Repeat <= 0 {
		o.Repeat = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Minute
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	o.Go = cmpOr(o.Go, "go")
	return o, nil
}

// Run grades the stages Options select, prints the table, writes the
// reports asked for and returns them. The error, if any, is an *ExitError
// whose code the process should exit with.
func Run(ctx context.Context, opts Options) (*Report, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	all, err := scenario.LoadDir(filepath.Join(opts.Root, scenario.Dir))
	if err != nil {
		return nil, infraError("%v", err)
	}
	stages, err := selectStages(all, opts.Stage)
	if err != nil {
		return nil, err
	}
	r := &Report{Impl: opts.Impl, Reference: opts.Reference, Counts: true}
	if err := checkSuite(opts, r); err != nil {
		return nil, err
	}
	if opts.Preflight != nil {
		if err := opts.Preflight(ctx); err != nil {
			return nil, infraError("Docker is not answering (%v): start the Docker engine so that `docker info` works, then run again", err)
		}
	}
	logDir, err := os.MkdirTemp("", "ownkube-check-")
	if err != nil {
		return nil, infraError("make a directory for the logs: %v", err)
	}
	r.Stages = runStages(ctx, opts, stages, all, logDir)
	return finish(opts, r)
}

func selectStages(all []*scenario.Scenario, last int) ([]*scenario.Scenario, error) {
	if last == 0 {
		return all, nil
	}
	if last < 1 || last > len(all) {
		return nil, &ExitError{Code: ExitInfra, Msg: fmt.Sprintf("there is no stage %d: choose 1 to %d", last, len(all))}
	}
	return all[:last], nil
}

// checkSuite notes spec files changed from the shipped suite.
func checkSuite(opts Options, r *Report) error {
	if opts.SuiteChanged == nil {
		return nil
	}
	changed, err := opts.SuiteChanged(opts.Root)
	if err != nil {
		return infraError("check the suite's files against e2e/SUITE.sum: %v", err)
	}
	if len(changed) > 0 {
		r.ChangedSpecs, r.Counts = changed, false
		fmt.Fprintf(opts.Out, "The suite's files differ from the kit's (%s): this run does not count. Restore them (git checkout e2e/) for a run that does.\n",
			strings.Join(changed, ", "))
	}
	return nil
}

// runStages grades each stage in turn, stopping after the first that does
// not pass unless opts.KeepGoing.
func runStages(ctx context.Context, opts Options, stages, all []*scenario.Scenario, logDir string) []StageResult {
	var out []StageResult
	stop := false
	for _, s := range stages {
		res := StageResult{Stage: s.Stage, Name: s.Name, Title: s.Title, Result: NotRun}
		if !stop {
			res = runStage(ctx, opts, s, all, logDir)
			stop = res.Result != Passed && !opts.KeepGoing || ctx.Err() != nil
		}
		out = append(out, res)
	}
	return out
}

// runStage runs s's fast packages, then, if they pass, its e2e specs.
func runStage(ctx context.Context, opts Options, s *scenario.Scenario, all []*scenario.Scenario, logDir string) (res StageResult) {
	start := time.Now()
	res = StageResult{Stage: s.Stage, Name: s.Name, Title: s.Title, readme: s.Readme, Reference: s.Referenced(opts.Reference)}
	defer func() { // named result: the totals are set on every return
		res.Duration = time.Since(start).Round(100 * time.Millisecond)
		res.Seconds = res.Duration.Seconds()
		res.Points = res.Passed
		if res.Failure != nil && res.Failure.Functions == nil && res.Result == Failed {
			explain(res.Failure, res.Failure.Message, nil, s, all)
		}
	}()
	if !runFast(ctx, opts, s, &res) {
		return res
	}
	runE2E(ctx, opts, s, all, logDir, &res)
	return res
}

// finish computes the totals and the exit code, prints the table and
// writes the files asked for.
func finish(opts Options, r *Report) (*Report, error) {
	worst := Passed
	for _, s := range r.Stages {
		r.Points += s.Points
		r.MaxPoints += s.Total
		if rank(s.Result) > rank(worst) {
			worst = s.Result
		}
	}
	r.ExitCode = exitCodes[worst]
	fmt.Fprintln(opts.Out)
	printTable(opts.Out, r)
	var errs []error
	if opts.JUnit != "" {
		errs = append(errs, writeJUnit(opts.JUnit, r))
	}
	if opts.JSON != "" {
		errs = append(errs, writeJSON(opts.JSON, r))
	}
	if err := errors.Join(errs...); err != nil {
		return r, infraError("write the reports: %v", err)
	}
	if r.ExitCode == ExitPassed {
		return r, nil
	}
	return r, &ExitError{Code: r.ExitCode, Msg: summary(r, worst)}
}

var exitCodes = map[string]int{Passed: ExitPassed, NotRun: ExitPassed, Failed: ExitFailed, Infra: ExitInfra, Timeout: ExitTimeout}

// rank orders outcomes by what they say of the run: an infrastructure
// error that its grades mean nothing, a timeout that a stage did not finish,
// a failure that the code is not there yet.
func rank(result string) int {
	switch result {
	case Infra:
		return 3
	case Timeout:
		return 2
	case Failed:
		return 1
	}
	return 0
}

// summary is the sentence the run ends with: for an infrastructure error
// or a timeout, what happened (and what to do); else the score.
func summary(r *Report, worst string) string {
	for _, s := range r.Stages {
		if s.Result != worst || s.Failure == nil {
			continue
		}
		if worst != Failed {
			return fmt.Sprintf("stage %d: %s", s.Stage, s.Failure.Message)
		}
		if len(s.Runs) == 0 {
			return fmt.Sprintf("stage %d failed its fast tests (%d/%d passed): its specs did not run", s.Stage, s.FastPassed, s.FastTotal)
		}
		return fmt.Sprintf("stage %d failed: %d of %d specs passed", s.Stage, s.Passed, s.Total)
	}
	return fmt.Sprintf("%d of %d specs passed", r.Points, r.MaxPoints)
}

func randomSeed() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:])>>34) + 1 // small enough to read and to type again
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
