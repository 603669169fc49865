package killrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ownkube/ownkube/components/kit/mutant"
	"github.com/ownkube/ownkube/components/kit/scenario"
)

// Tags are the build tags of every test the kill run builds: the reference
// and, beside it, every mutant.
const Tags = "solutions,mutants"

// GoRunner runs the tests with the go command, each fast package's test
// binary built once and run once per mutant.
type GoRunner struct {
	Root string // the repository's root
	// BinDir holds the test binaries; it must exist.
	BinDir string
	// FastTimeout bounds one run of one package's tests.
	FastTimeout time.Duration
	// E2ETimeout bounds one stage's e2e run.
	E2ETimeout time.Duration
	// Log, when set, receives the output of every e2e run.
	Log func(stage int, mutant string, output []byte)

	mu   sync.Mutex
	bins map[string]string // package -> test binary, "" when it has no tests
}

// Fast runs package f's tests with OWNKUBE_MUTANT=name, stopping at the
// first failure.
func (g *GoRunner) Fast(ctx context.Context, f scenario.Fast, name string) (string, error) {
	bin, err := g.binary(ctx, f.Package)
	if err != nil || bin == "" {
		return "", err
	}
	args := []string{"-test.failfast", "-test.v", "-test.count=1", "-test.timeout=" + g.FastTimeout.String()}
	if f.Run != "" {
		args = append(args, "-test.run="+f.Run)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = filepath.Join(g.Root, filepath.FromSlash(f.Package)) // go test runs a test in its package's directory
	cmd.Env = append(os.Environ(), mutant.EnvVar+"="+name)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return "", nil
	case !errors.As(err, &exit):
		return "", fmt.Errorf("run the tests of %s: %w", f.Package, err)
	}
	return firstFailure(out), nil
}

// Prepare builds the test binaries of fast, two at a time: the link of one
// overlaps the compile of the next.
func (g *GoRunner) Prepare(ctx context.Context, fast []scenario.Fast) error {
	var (
		wg   sync.WaitGroup
		errs = make([]error, len(fast))
		sem  = make(chan struct{}, 2)
	)
	for i, f := range fast {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			_, errs[i] = g.binary(ctx, f.Package)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// binary builds the test binary of pkg once.
func (g *GoRunner) binary(ctx context.Context, pkg string) (string, error) {
	g.mu.Lock()
	bin, ok := g.bins[pkg]
	g.mu.Unlock()
	if ok {
		return bin, nil
	}
	bin = filepath.Join(g.BinDir, strings.NewReplacer("./", "", "/", "_").Replace(pkg)+".test")
	cmd := exec.CommandContext(ctx, "go", "test", "-c", "-tags", Tags, "-o", bin, pkg)
	cmd.Dir = g.Root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the tests of %s: %w\n%s", pkg, err, out)
	}
	if _, err := os.Stat(bin); errors.Is(err, os.ErrNotExist) {
		bin = "" // a package without tests: go test -c writes nothing
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.bins == nil {
		g.bins = map[string]string{}
	}
	g.bins[pkg] = bin
	return bin, nil
}

var (
	failLine  = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)
	panicLine = regexp.MustCompile(`(?m)^panic: .*`)
	timedOut  = regexp.MustCompile(`(?m)^panic: test timed out.*`)
)

// firstFailure names the first failing test of a -test.v output, or, when
// the binary died before reporting one, how it died.
func firstFailure(out []byte) string {
	if m := timedOut.Find(out); m != nil {
		return "(" + string(m) + ")"
	}
	if m := failLine.FindSubmatch(out); m != nil {
		return string(m[1])
	}
	if m := panicLine.Find(out); m != nil {
		return "(" + firstLineOf(string(m), 100) + ")"
	}
	return "(the test binary failed: " + firstLineOf(lastLines(out), 100) + ")"
}

func lastLines(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

func firstLineOf(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// E2E runs stage s's specs on its topology with the mutants' images and
// OWNKUBE_MUTANT=name, stopping at the first failing spec.
func (g *GoRunner) E2E(ctx context.Context, s *scenario.Scenario, name string) (string, error) {
	report := filepath.Join(g.BinDir, fmt.Sprintf("e2e-%02d-%s.json", s.Stage, strings.ReplaceAll(name, "/", "_")))
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-tags", Tags, "-timeout", (g.E2ETimeout + time.Minute).String(),
		"./e2e", "-args", "-ginkgo.no-color", "-ginkgo.fail-fast", "-ginkgo.timeout="+g.E2ETimeout.String(), "-ginkgo.json-report="+report)
	cmd.Dir = g.Root
	cmd.Env = append(os.Environ(), "OWNKUBE_STAGE="+strconv.Itoa(s.Stage), mutant.EnvVar+"="+name, "OWNKUBE_E2E_IMPL=mutants")
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		cmd.Env = append(cmd.Env, "TESTCONTAINERS_RYUK_DISABLED=true") // the reaper's image cannot be pulled
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	if g.Log != nil {
		g.Log(s.Stage, name, out.Bytes())
	}
	failed, err := firstFailedSpec(report)
	switch {
	case err != nil && runErr != nil:
		return "", fmt.Errorf("stage %d's e2e run wrote no report (%w): %w", s.Stage, runErr, err)
	case err != nil:
		return "", err
	}
	return failed, nil
}
