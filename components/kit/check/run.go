package check

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/ownkube/ownkube/components/kit/scenario"
)

// ReferenceEnv is the e2e framework's variable naming the components to run
// from the reference (framework.ReferenceEnv; the kit links no e2e package).
const ReferenceEnv = "OWNKUBE_E2E_REFERENCE"

// TimelineDirEnv is the e2e framework's variable naming where a failing
// spec's timeline goes (framework.TimelineDirEnv), and TimelineEntry the
// report entry that names the file (framework.TimelineEntry).
const (
	TimelineDirEnv = "OWNKUBE_TIMELINE_DIR"
	TimelineEntry  = "Timeline"
)

// fastTimeout bounds one fast package's tests.
const fastTimeout = 5 * time.Minute

// fastPackage is the package to test for f under impl: a learner's package
// under ./exercises/ is the reference's under ./solutions/ when the
// solutions are graded.
func fastPackage(f scenario.Fast, impl string) string {
	if impl == Solutions && strings.HasPrefix(f.Package, "./exercises/") {
		return "./solutions/" + strings.TrimPrefix(f.Package, "./exercises/")
	}
	return f.Package
}

// runFast tests s's fast packages and reports whether they all passed.
func runFast(ctx context.Context, opts Options, s *scenario.Scenario, res *StageResult) bool {
	if len(s.Fast) == 0 {
		return true
	}
	if s.LearnerReferenced(opts.Reference) {
		res.FastSkipped = true
		step(opts, "stage %d: fast tests skipped: its code runs from the reference (%s), and they test yours", s.Stage, strings.Join(res.Reference, ", "))
		return true
	}
	var names []string
	for _, f := range s.Fast {
		names = append(names, fastPackage(f, opts.Impl))
	}
	step(opts, "stage %d: fast tests (no Docker): go test -tags %s %s", s.Stage, opts.Impl, strings.Join(names, " "))
	start := time.Now()
	for _, f := range s.Fast {
		args := []string{"test", "-json", "-count=1", "-tags", opts.Impl, "-timeout", fastTimeout.String()}
		if f.Run != "" {
			args = append(args, "-run", f.Run)
		}
		args = append(args, fastPackage(f, opts.Impl))
		cmd := exec.CommandContext(ctx, opts.Go, args...)
		cmd.Dir = opts.Root
		out, err := cmd.Output() // -json reports failures on stdout; stderr has the go command's own errors
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			out = append(out, ee.Stderr...)
		} else if err != nil {
			res.Result, res.Failure = Infra, &Failure{Spec: "go test", Message: fmt.Sprintf("could not run %s: %v; is Go installed and on PATH?", opts.Go, err)}
			return false
		}
		o := readGoTestJSON(out)
		res.FastPassed += o.passed
		res.FastTotal += o.total
		if o.failure != nil || err != nil {
			if o.failure == nil {
				o.failure = &Failure{Spec: fastPackage(f, opts.Impl), Message: firstLine(string(out), 160)}
			}
			res.Result, res.Failure = Failed, o.failure
			step(opts, "  %d/%d tests passed; the e2e specs are not run until these pass (%s)", res.FastPassed, res.FastTotal, since(start))
			return false
		}
	}
	step(opts, "  %d/%d tests passed (%s)", res.FastPassed, res.FastTotal, since(start))
	return true
}

// runE2E runs s's specs opts.Repeat times and records the last run's counts
// and the first failure seen.
func runE2E(ctx context.Context, opts Options, s *scenario.Scenario, all []*scenario.Scenario, logDir string, res *StageResult) {
	step(opts, "stage %d: bringing up %s and running the specs %q (building the images first where the code changed)", s.Stage, topologyWords(s), s.Specs.Labels)
	res.Result = Passed
	for i := 0; i < opts.Repeat; i++ {
		seed := randomSeed()
		start := time.Now()
		run, reports, failure, result := e2eOnce(ctx, opts, s, all, logDir, seed, i)
		run.Seed = seed
		res.Runs = append(res.Runs, run)
		res.reports = append(res.reports, reports...)
		res.Passed, res.Total = run.Passed, run.Total
		if res.Failure == nil && failure != nil {
			res.Failure = failure
		}
		if rank(result) > rank(res.Result) {
			res.Result = result
		}
		res.Log = filepath.Join(logDir, fmt.Sprintf("stage-%02d-run-%d.log", s.Stage, i+1))
		step(opts, "  run %d/%d (seed %d): %d/%d specs passed (%s)", i+1, opts.Repeat, seed, run.Passed, run.Total, since(start))
		if result == Infra || result == Timeout || ctx.Err() != nil {
			break
		}
	}
}

// e2eOnce is one `go test ./e2e` of stage s with the given seed.
func e2eOnce(ctx context.Context, opts Options, s *scenario.Scenario, all []*scenario.Scenario, logDir string, seed int64, i int) (RunResult, []types.Report, *Failure, string) {
	reportFile := filepath.Join(logDir, fmt.Sprintf("stage-%02d-run-%d.json", s.Stage, i+1))
	logFile := filepath.Join(logDir, fmt.Sprintf("stage-%02d-run-%d.log", s.Stage, i+1))
	args := []string{"test", "-count=1", "-tags", opts.Impl, "-timeout", (opts.Timeout + 2*time.Minute).String(), "./e2e", "-args",
		"-ginkgo.no-color", "-ginkgo.json-report=" + reportFile, "-ginkgo.seed=" + strconv.FormatInt(seed, 10),
		"-ginkgo.timeout=" + opts.Timeout.String()}
	if opts.Focus != "" {
		args = append(args, "-ginkgo.focus="+opts.Focus)
	}
	cmd := exec.CommandContext(ctx, opts.Go, args...)
	cmd.Dir = opts.Root
	timelines := filepath.Join(logDir, fmt.Sprintf("stage-%02d-run-%d-timelines", s.Stage, i+1))
	cmd.Env = append(os.Environ(), "OWNKUBE_STAGE="+strconv.Itoa(s.Stage), "OWNKUBE_E2E_IMPL="+opts.Impl,
		ReferenceEnv+"="+strings.Join(opts.Reference, ","), TimelineDirEnv+"="+timelines)
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		cmd.Env = append(cmd.Env, "TESTCONTAINERS_RYUK_DISABLED=true") // the reaper's image cannot be pulled
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	_ = os.WriteFile(logFile, out.Bytes(), 0o644)

	o, err := readReport(reportFile)
	if err != nil {
		return RunResult{}, nil, noReport(out.String(), logFile, runErr, ctx), noReportResult(out.String(), ctx)
	}
	run := RunResult{Passed: o.passed, Total: o.total, OK: o.report.SuiteSucceeded}
	switch {
	case o.setupFailed != nil:
		f, full := specFailure(*o.setupFailed)
		if notImplemented.MatchString(full) {
			explain(f, full, nil, s, all)
			return run, []types.Report{o.report}, f, Failed
		}
		f.Message = fmt.Sprintf("the cluster of stage %d did not come up: %s (log: %s). %s", s.Stage, f.Message, logFile, setupAdvice(*o.setupFailed))
		return run, []types.Report{o.report}, f, Infra
	case o.interrupted:
		return run, []types.Report{o.report}, &Failure{Spec: "suite", Message: fmt.Sprintf("the specs did not finish within %s (log: %s)", opts.Timeout, logFile)}, Timeout
	case len(o.failed) > 0:
		f, full := specFailure(o.failed[0])
		explain(f, full, o.failed[0].Labels(), s, all)
		return run, []types.Report{o.report}, f, Failed
	case !o.report.SuiteSucceeded:
		return run, []types.Report{o.report}, &Failure{Spec: "suite", Message: firstLine(strings.Join(o.report.SpecialSuiteFailureReasons, "; "), 160)}, Failed
	}
	return run, []types.Report{o.report}, nil, Passed
}

// noReport explains a run that wrote no Ginkgo report.
func noReport(out, logFile string, runErr error, ctx context.Context) *Failure {
	f := &Failure{Spec: "go test ./e2e"}
	switch {
	case ctx.Err() != nil:
		f.Message = "interrupted: " + ctx.Err().Error()
	case strings.Contains(out, "test timed out"):
		f.Message = fmt.Sprintf("the suite ran past its deadline (log: %s)", logFile)
	default:
		if b := buildFailure(strings.Split(out, "\n")); b.Location != "" {
			b.Message = fmt.Sprintf("the e2e suite %s (log: %s)", b.Message, logFile)
			return b
		}
		f.Message = fmt.Sprintf("the e2e suite ended without a report (%v): see %s", runErr, logFile)
	}
	return f
}

func noReportResult(out string, ctx context.Context) string {
	if strings.Contains(out, "test timed out") || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return Timeout
	}
	return Infra
}

func topologyWords(s *scenario.Scenario) string {
	comps := "no control plane (just the cluster's network)"
	if len(s.Topology.Components) > 0 {
		comps = strings.Join(s.Topology.Components, ", ")
	}
	return fmt.Sprintf("%s and %d nodes", comps, s.Topology.Nodes)
}

func step(opts Options, format string, args ...any) {
	fmt.Fprintf(opts.Out, format+"\n", args...)
}

func since(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() }

// setupAdvice is what to do about a failed bring-up, by the step it was
// in: an image build that ran out of time is a cold Go build cache on a
// busy machine far more often than a broken Docker.
func setupAdvice(sr types.SpecReport) string {
	step := ""
	for _, ev := range sr.SpecEvents {
		if ev.SpecEventType == types.SpecEventByStart {
			step = ev.Message
		}
	}
	if strings.Contains(step, "building the images") {
		return "It was still building the images: on a cold Go build cache that can take minutes, so build them once (make images IMPL=" + implOf(step) + "), then run again"
	}
	return "Check that Docker is healthy and no port is taken, then run again"
}

// implOf is the implementation a "building the images of implementation X" step names.
func implOf(step string) string {
	if f := strings.Fields(step); len(f) > 0 {
		return f[len(f)-1]
	}
	return "exercises"
}
