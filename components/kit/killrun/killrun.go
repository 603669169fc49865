// Package killrun proves that the kit's tests can fail: for every mutant
// (a known-bad variant of a learner's region, components/kit/mutant) it
// runs the Docker-free tests that grade the mutant's region and, only
// where none of them fails, its stage's e2e specs on the stage's topology,
// and reports which test killed it. A mutant nothing kills is a hole in
// the grader: Run then fails.
//
// A sanity run follows: every fast test that killed a mutant must pass
// without one, so that each kill is the mutant's doing, not a test that
// fails anyway.
package killrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ownkube/ownkube/components/kit/mutant"
	"github.com/ownkube/ownkube/components/kit/scenario"
)

// ErrSurvived is Run's error when a mutant survived every test, or when the
// sanity run failed.
var ErrSurvived = errors.New("killrun: the tests do not kill every mutant")

// Runner runs tests with OWNKUBE_MUTANT set to a mutant's name ("" for
// none). Each method returns the name of the first test or spec that
// failed ("TestX/sub", or in parentheses how a test binary died), "" when
// all passed; an error means the tests could not be run.
type Runner interface {
	Fast(ctx context.Context, f scenario.Fast, mutant string) (failed string, err error)
	E2E(ctx context.Context, s *scenario.Scenario, mutant string) (failed string, err error)
}

// Preparer is a Runner that gets ready for the fast packages it will run
// (builds their test binaries) before the first mutant's clock starts.
type Preparer interface {
	Prepare(ctx context.Context, fast []scenario.Fast) error
}

// Options says what Run runs and where it reports.
type Options struct {
	Mutants   []mutant.Mutant
	Scenarios []*scenario.Scenario
	Runner    Runner
	// Out receives a line as each mutant is done, then the table; nil
	// discards them.
	Out io.Writer
	// NoE2E reports a mutant the fast tests do not kill as a survivor
	// without running its stage's e2e specs.
	NoE2E bool
	// E2EOnly skips the fast tests: each mutant meets its stage's specs,
	// to see which spec kills it.
	E2EOnly bool
}

// Row is one line of the table.
type Row struct {
	Mutant   string
	Stage    int // 0 for the sanity row
	KilledBy string
	Took     time.Duration
	// Survived marks a mutant nothing killed, or a sanity run that failed.
	Survived bool
}

// SanityRow is the name the table gives the run without a mutant.
const SanityRow = "(none: sanity)"

// Run runs every mutant, then the sanity check, and returns the rows, the
// sanity row first. Its
// error is ErrSurvived when a mutant survived, or whatever kept a test from
// running.
func Run(ctx context.Context, opts Options) ([]Row, error) {
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	var rows []Row
	add := func(r Row) {
		rows = append(rows, r)
		// A line as soon as a row is known, so a CI log shows progress;
		// the aligned table follows at the end.
		fmt.Fprintf(out, "%s (stage %s): %s, %s\n", r.Mutant, stageCell(r.Stage), r.KilledBy, r.Took.Round(100*time.Millisecond))
	}
	defer func() { printTable(out, rows) }()
	if p, ok := opts.Runner.(Preparer); ok && !opts.E2EOnly {
		var all []scenario.Fast
		for _, m := range opts.Mutants {
			all = mergeFast(all, FastFor(m, opts.Scenarios))
		}
		if err := p.Prepare(ctx, all); err != nil {
			return nil, err
		}
	}
	var killers []scenario.Fast
	for _, m := range opts.Mutants {
		r, killer, err := runMutant(ctx, opts, m)
		if err != nil {
			return rows, fmt.Errorf("mutant %s: %w", m.Name, err)
		}
		add(r)
		if killer != nil {
			killers = addKiller(killers, *killer)
		}
	}
	sanity, err := runSanity(ctx, opts.Runner, killers)
	if err != nil {
		return rows, err
	}
	add(sanity)
	// The sanity row heads the table: it is what makes the kills below count.
	rows = append(rows[len(rows)-1:], rows[:len(rows)-1]...)
	if i := slices.IndexFunc(rows, func(r Row) bool { return r.Survived }); i >= 0 {
		return rows, fmt.Errorf("%w: %s", ErrSurvived, survivors(rows))
	}
	return rows, nil
}

// printTable writes rows as the table MUTANT STAGE KILLED BY TIME.
func printTable(out io.Writer, rows []Row) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MUTANT\tSTAGE\tKILLED BY\tTIME")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Mutant, stageCell(r.Stage), r.KilledBy, r.Took.Round(100*time.Millisecond))
	}
	tw.Flush()
}

func stageCell(stage int) string {
	if stage == 0 {
		return "-"
	}
	return fmt.Sprint(stage)
}

func survivors(rows []Row) string {
	var names []string
	for _, r := range rows {
		if r.Survived {
			names = append(names, r.Mutant)
		}
	}
	return strings.Join(names, ", ")
}

// runSanity runs, without a mutant, every test that killed one (a test
// binary that died: its whole package): all must pass, or a kill may be
// the test's own failure, not the mutant's doing.
func runSanity(ctx context.Context, runner Runner, killers []scenario.Fast) (Row, error) {
	start := time.Now()
	for _, f := range killers {
		failed, err := runner.Fast(ctx, f, "")
		if err != nil {
			return Row{}, fmt.Errorf("sanity run of %s: %w", f.Package, err)
		}
		if failed != "" {
			return Row{Mutant: SanityRow, KilledBy: "FAILS WITHOUT A MUTANT: " + killedBy(f, failed), Took: time.Since(start), Survived: true}, nil
		}
	}
	tests := 0
	for _, k := range killers {
		tests += strings.Count(k.Run, "|") + 1
	}
	return Row{Mutant: SanityRow, KilledBy: fmt.Sprintf("nothing: the %d killing tests (%d packages) pass", tests, len(killers)),
		Took: time.Since(start)}, nil
}

// killedBy names a fast test that failed: its package and name.
func killedBy(f scenario.Fast, failed string) string {
	return strings.TrimPrefix(f.Package, "./") + " " + failed
}

// killer is the run that repeats failed, a test of f, on its own: -run
// ^(TestName)$, or f as it ran when the binary died.
func killer(f scenario.Fast, failed string) scenario.Fast {
	if strings.HasPrefix(failed, "(") {
		return f
	}
	top, _, _ := strings.Cut(failed, "/")
	return scenario.Fast{Package: f.Package, Run: "^(" + regexp.QuoteMeta(top) + ")$"}
}

// addKiller adds k to killers, one run per package: the tests of two
// killers of one package join in one -run ^(A|B)$; a whole package's run
// (or one that is not a list of tests) covers the package.
func addKiller(killers []scenario.Fast, k scenario.Fast) []scenario.Fast {
	i := slices.IndexFunc(killers, func(f scenario.Fast) bool { return f.Package == k.Package })
	if i < 0 {
		return append(killers, k)
	}
	have, ok1 := strings.CutPrefix(killers[i].Run, "^(")
	more, ok2 := strings.CutPrefix(k.Run, "^(")
	if !ok1 || !ok2 {
		killers[i].Run = ""
		return killers
	}
	names := strings.Split(strings.TrimSuffix(have, ")$"), "|")
	if name := strings.TrimSuffix(more, ")$"); !slices.Contains(names, name) {
		names = append(names, name)
	}
	killers[i].Run = "^(" + strings.Join(names, "|") + ")$"
	return killers
}

// runMutant runs m's fast tests, then, if none failed, its stage's specs.
// A fast test that killed it comes back as the run that repeats it.
func runMutant(ctx context.Context, opts Options, m mutant.Mutant) (Row, *scenario.Fast, error) {
	start := time.Now()
	row := func(killedBy string, survived bool) Row {
		return Row{Mutant: m.Name, Stage: m.Stage, KilledBy: killedBy, Took: time.Since(start), Survived: survived}
	}
	var fast []scenario.Fast
	if !opts.E2EOnly {
		fast = FastFor(m, opts.Scenarios)
	}
	for _, f := range fast {
		failed, err := opts.Runner.Fast(ctx, f, m.Name)
		if err != nil {
			return Row{}, nil, err
		}
		if failed != "" {
			k := killer(f, failed)
			return row(killedBy(f, failed), false), &k, nil
		}
	}
	s := stageOf(m.Stage, opts.Scenarios)
	if opts.NoE2E || s == nil {
		return row("SURVIVED the fast tests", true), nil, nil
	}
	failed, err := opts.Runner.E2E(ctx, s, m.Name)
	if err != nil {
		return Row{}, nil, err
	}
	if failed == "" {
		return row(fmt.Sprintf("SURVIVED the fast tests and stage %d's specs", m.Stage), true), nil, nil
	}
	return row("e2e: "+failed, false), nil, nil
}

func stageOf(stage int, all []*scenario.Scenario) *scenario.Scenario {
	for _, s := range all {
		if s.Stage == stage {
			return s
		}
	}
	return nil
}

// FastFor returns the fast packages that see m: the components/... packages
// (which link the shims; solutions/<package> tests call the reference
// directly) listed under fast by every stage that grades m's region, in
// the order the stages list them. A package listed once with a -run filter
// and once without runs whole.
func FastFor(m mutant.Mutant, all []*scenario.Scenario) []scenario.Fast {
	var fast []scenario.Fast
	for _, s := range all {
		if !grades(s, m) {
			continue
		}
		var own []scenario.Fast
		for _, f := range s.Fast {
			if strings.HasPrefix(f.Package, "./components/") {
				own = append(own, f)
			}
		}
		fast = mergeFast(fast, own)
	}
	return fast
}

// grades reports whether stage s grades m's region.
func grades(s *scenario.Scenario, m mutant.Mutant) bool {
	return slices.ContainsFunc(s.Learner, func(l scenario.Learner) bool { return l.Package == m.Package && l.Stage == m.Stage })
}

// mergeFast appends to fast the packages of more it lacks; a package in
// both keeps the wider run (none is the widest).
func mergeFast(fast, more []scenario.Fast) []scenario.Fast {
	for _, f := range more {
		i := slices.IndexFunc(fast, func(g scenario.Fast) bool { return g.Package == f.Package })
		switch {
		case i < 0:
			fast = append(fast, f)
		case fast[i].Run != f.Run:
			fast[i].Run = ""
		}
	}
	return fast
}
