package stubproof

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/ownkube/ownkube/components/kit/scenario"
)

// Options configure Run.
type Options struct {
	// Root is the repository's root; default: found from the working directory.
	Root string
	// Stages to prove, by number; default every stage of scenarios/.
	Stages []int
	// Timeout bounds one stage's e2e run; default 10m. Stubs answer at
	// once, so a stage that needs it is itself a finding.
	Timeout time.Duration
	// Out receives the progress and the summary; default os.Stdout.
	Out io.Writer
	// Go is the go command; default "go".
	Go string
	// LogDir keeps each stage's log and Ginkgo report; default a new
	// temporary directory.
	LogDir string
	// OwnStage proves each stage's own specs with the earlier stages'
	// components from the reference (OwnPlanOf), instead of the stage's
	// whole label filter on stubs alone.
	OwnStage bool
	// Rejudge, with LogDir, judges the reports a former run left there
	// instead of running the suite again.
	Rejudge bool
}

// Run proves each stage in turn on the stubs and returns the verdicts; its
// error says which stages failed the proof, or why one could not run.
func Run(ctx context.Context, opts Options) ([]StageVerdict, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	stages, err := selectStages(opts)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	var verdicts []StageVerdict
	var failed []string
	for _, s := range stages {
		p := PlanOf(s)
		if opts.OwnStage {
			p = OwnPlanOf(s)
		}
		v, err := proveStage(ctx, opts, p)
		if err != nil {
			return verdicts, fmt.Errorf("stage %d: %w", s.Stage, err)
		}
		verdicts = append(verdicts, v)
		report(opts.Out, v)
		if !v.OK() {
			failed = append(failed, strconv.Itoa(s.Stage))
		}
	}
	fmt.Fprintf(opts.Out, "stub proof of %d stages in %s (logs and reports: %s)\n", len(verdicts), time.Since(start).Round(time.Second), opts.LogDir)
	if len(failed) > 0 {
		return verdicts, fmt.Errorf("the stub proof failed for stage %s: a spec that is not %q passed or was skipped on the stubs, or the run proved nothing", strings.Join(failed, ", "), GivenLabel)
	}
	return verdicts, nil
}

func (o Options) withDefaults() (Options, error) {
	if o.Root == "" {
		root, err := scenario.FindRoot(".")
		if err != nil {
			return o, err
		}
		o.Root = root
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Go == "" {
		o.Go = "go"
	}
	if o.LogDir == "" {
		dir, err := os.MkdirTemp("", "ownkube-stubproof-")
		if err != nil {
			return o, fmt.Errorf("make a directory for the logs: %w", err)
		}
		o.LogDir = dir
	}
	return o, nil
}

// selectStages loads the scenarios of opts.Stages, or all of them.
func selectStages(opts Options) ([]*scenario.Scenario, error) {
	all, err := scenario.LoadDir(filepath.Join(opts.Root, scenario.Dir))
	if err != nil {
		return nil, err
	}
	if len(opts.Stages) == 0 {
		return all, nil
	}
	var out []*scenario.Scenario
	for _, n := range opts.Stages {
		i := slices.IndexFunc(all, func(s *scenario.Scenario) bool { return s.Stage == n })
		if i < 0 {
			return nil, fmt.Errorf("there is no stage %d in %s", n, scenario.Dir)
		}
		out = append(out, all[i])
	}
	return out, nil
}

// proveStage runs the stage's topology and own specs against the exercises
// (the default build, no tags), with p's components from the reference, and
// judges its report. The suite's own exit status is not looked at: it
// fails by design; the report says how.
func proveStage(ctx context.Context, opts Options, p Plan) (StageVerdict, error) {
	n := p.Stage
	reportFile := filepath.Join(opts.LogDir, fmt.Sprintf("stage-%02d.json", n))
	logFile := filepath.Join(opts.LogDir, fmt.Sprintf("stage-%02d.log", n))
	if opts.Rejudge {
		return judgeFile(reportFile, p)
	}
	ref := "none"
	if len(p.Reference) > 0 {
		ref = strings.Join(p.Reference, ", ")
	}
	fmt.Fprintf(opts.Out, "stage %d: running the specs %s on its topology against the stubs; from the reference: %s (log: %s)\n", n, p.LabelFilter, ref, logFile)
	start := time.Now()
	cmd := exec.CommandContext(ctx, opts.Go, "test", "-count=1", "-timeout", (opts.Timeout + 2*time.Minute).String(), "./e2e", "-args",
		"-ginkgo.no-color", "-ginkgo.label-filter="+p.LabelFilter, "-ginkgo.json-report="+reportFile, "-ginkgo.timeout="+opts.Timeout.String())
	cmd.Dir = opts.Root
	cmd.Env = stageEnv(os.Environ(), p)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	if err := os.WriteFile(logFile, out.Bytes(), 0o644); err != nil {
		return StageVerdict{}, fmt.Errorf("keep the log: %w", err)
	}
	v, err := judgeFile(reportFile, p)
	if err != nil {
		return v, fmt.Errorf("%w (go test: %v; log: %s)", err, runErr, logFile)
	}
	v.Seconds = time.Since(start).Round(100 * time.Millisecond).Seconds()
	return v, nil
}

// judgeFile judges the report at reportFile by p.
func judgeFile(reportFile string, p Plan) (StageVerdict, error) {
	r, err := readReport(reportFile)
	if err != nil {
		return StageVerdict{}, err
	}
	return Verdict(p, r)
}

// stageEnv is env for p's run on the stubs: the stage's scenario, the
// exercises' images, p's reference, and nothing else that would let a spec
// run other code (a mutant).
func stageEnv(env []string, p Plan) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "OWNKUBE_STAGE", "OWNKUBE_E2E_IMPL", "OWNKUBE_E2E_REFERENCE", "OWNKUBE_MUTANT":
			continue
		}
		out = append(out, kv)
	}
	out = append(out, "OWNKUBE_STAGE="+strconv.Itoa(p.Stage), "OWNKUBE_E2E_IMPL=exercises", "OWNKUBE_E2E_REFERENCE="+strings.Join(p.Reference, ","))
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		out = append(out, "TESTCONTAINERS_RYUK_DISABLED=true") // the reaper's image cannot be pulled
	}
	return out
}

// readReport reads the one suite report of a Ginkgo JSON report file.
func readReport(path string) (types.Report, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return types.Report{}, errors.New("the e2e suite wrote no Ginkgo report: it did not build or did not start")
	}
	if err != nil {
		return types.Report{}, fmt.Errorf("read the Ginkgo report: %w", err)
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil {
		return types.Report{}, fmt.Errorf("parse the Ginkgo report %s: %w", path, err)
	}
	if len(reports) != 1 {
		return types.Report{}, fmt.Errorf("the Ginkgo report %s holds %d suites, not 1", path, len(reports))
	}
	return reports[0], nil
}

// report prints v's line, then what is wrong with it, if anything.
func report(w io.Writer, v StageVerdict) {
	fmt.Fprintf(w, "%s [%.0fs]\n", v.Line(), v.Seconds)
	for _, p := range v.Problems {
		fmt.Fprintf(w, "  proves nothing: %s\n", p)
	}
	for _, s := range v.Survivors {
		fmt.Fprintf(w, "  %s on stubs, not %q: %s (%s)\n", strings.ToUpper(s.State), GivenLabel, s.Name, s.Location)
	}
	for _, s := range v.Slow {
		fmt.Fprintf(w, "  slow: failed only after %.0fs, past the stub: %s (%s)\n", s.Seconds, s.Name, s.Location)
	}
}
