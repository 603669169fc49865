package exgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// stubMessage is what exercise.NotImplemented says; a package whose tests
// fail without saying it fails for some other reason than the stubs.
const stubMessage = "not implemented: stage"

// VerifyConfig says which exercises to prove and how long a test run may take.
type VerifyConfig struct {
	Dir     string        // exercises/, relative to the module root (the working directory) or absolute
	Timeout time.Duration // go test -timeout for each run
}

// VerifyReport is the outcome: every test function must fail.
type VerifyReport struct {
	Tests, Failing int
	NotRun         int      // tests go test never reported on: read Log
	Unproven       []string // tests that did not fail, and why that proves nothing
	Silent         []string // packages whose failures never mention the stubs
	// Learner lists the files that hold a learner's work; the packages
	// that hold them (Skipped) are graded by make check, not proven here.
	Learner, Skipped []string
	Log              string // all go test output, to read when the report is not OK
}

// OK reports whether the stubs make every test fail, and say so.
func (r *VerifyReport) OK() bool { return len(r.Unproven) == 0 && len(r.Silent) == 0 }

// testKey names one top-level test function.
type testKey struct{ pkg, test string }

// Verify proves that the exercises compile (go vet) and that every test
// function under cfg.Dir fails against the stubs (go test, default tags).
// A package holding a file a learner edited (told by the records of the
// last generation) is the learner's: it is skipped, and named in the report.
func Verify(ctx context.Context, cfg VerifyConfig) (*VerifyReport, error) {
	learner, err := LearnerFiles(cfg.Dir)
	if err != nil {
		return nil, err
	}
	pkgs, skipped, err := provable(ctx, cfg.Dir, learner)
	if err != nil {
		return nil, err
	}
	rep := &VerifyReport{Learner: learner, Skipped: skipped}
	if len(pkgs) == 0 {
		if len(skipped) == 0 {
			return nil, fmt.Errorf("exgen: no packages under %s: nothing proves the stubs fail", cfg.Dir)
		}
		return rep, nil // every package is the learner's
	}
	if out, err := goCmd(ctx, append([]string{"vet"}, pkgs...)...); err != nil {
		return nil, fmt.Errorf("exgen: go vet %s: %w\n%s", goPattern(cfg.Dir), err, out)
	}
	tests, err := listTests(ctx, pkgs)
	if err != nil {
		return nil, err
	}
	if len(tests) == 0 {
		return nil, fmt.Errorf("exgen: no test functions under %s: nothing proves the stubs fail", cfg.Dir)
	}
	run := &testRun{results: map[testKey]string{}, output: map[string]*strings.Builder{}}
	if err := run.all(ctx, cfg.Timeout, pkgs, tests); err != nil {
		return nil, err
	}
	judged := judge(tests, run.results, run.output)
	judged.Log = run.log.String()
	judged.Learner, judged.Skipped = learner, skipped
	return judged, nil
}

// Summary is the one line that says what was skipped as the learner's.
func (r *VerifyReport) Summary() string {
	if len(r.Learner) == 0 {
		return ""
	}
	return fmt.Sprintf("%s; %d %s not proven here: %s", learnerLine(len(r.Learner), 0), len(r.Skipped), plural(len(r.Skipped), "package", "packages"), strings.Join(r.Skipped, ", "))
}

// LearnerFiles lists the files under dir (dir/<rel>) that no longer match
// what exgen last wrote there, or that it never wrote: a learner's work.
func LearnerFiles(dir string) ([]string, error) {
	rec, err := readRecords(dir)
	if err != nil {
		return nil, err
	}
	have, err := listFiles(dir)
	if err != nil {
		return nil, err
	}
	var edited []string
	for _, rel := range have {
		if rel == SumFile || rel == RegionsFile {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return nil, fmt.Errorf("exgen: %w", err)
		}
		if hashOf(data) != rec.files[rel] {
			edited = append(edited, display(dir, rel))
		}
	}
	return edited, nil
}

// provable lists the packages under dir that hold none of the learner's
// files (to prove), and those that do (skipped).
func provable(ctx context.Context, dir string, learner []string) (pkgs, skipped []string, err error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-e", "-json=ImportPath,Dir", goPattern(dir)).Output()
	if err != nil {
		return nil, nil, fmt.Errorf("exgen: go list %s: %w", goPattern(dir), err)
	}
	theirs := map[string]bool{}
	for _, f := range learner {
		abs, err := filepath.Abs(filepath.Dir(filepath.FromSlash(f)))
		if err != nil {
			return nil, nil, fmt.Errorf("exgen: %w", err)
		}
		theirs[abs] = true
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct{ ImportPath, Dir string }
		if err := dec.Decode(&p); err != nil {
			return nil, nil, fmt.Errorf("exgen: go list: %w", err)
		}
		if theirs[p.Dir] {
			skipped = append(skipped, p.ImportPath)
		} else {
			pkgs = append(pkgs, p.ImportPath)
		}
	}
	return pkgs, skipped, nil
}

// goPattern is the package pattern for dir: ./exercises/...
func goPattern(dir string) string {
	dir = filepath.ToSlash(filepath.Clean(dir))
	if !filepath.IsAbs(dir) && !strings.HasPrefix(dir, "../") {
		dir = "./" + dir
	}
	return dir + "/..."
}

func goCmd(ctx context.Context, args ...string) ([]byte, error) {
	return exec.CommandContext(ctx, "go", args...).CombinedOutput()
}

// listTests finds the test functions of every package matching pattern by
// reading its test files: go test -json reports only the tests that ran.
func listTests(ctx context.Context, pkgs []string) ([]testKey, error) {
	args := append([]string{"list", "-json=ImportPath,Dir,TestGoFiles,XTestGoFiles"}, pkgs...)
	out, err := exec.CommandContext(ctx, "go", args...).Output()
	if err != nil {
		return nil, fmt.Errorf("exgen: go list: %w", err)
	}
	var keys []testKey
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			ImportPath, Dir           string
			TestGoFiles, XTestGoFiles []string
		}
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("exgen: go list: %w", err)
		}
		for _, f := range append(p.TestGoFiles, p.XTestGoFiles...) {
			names, err := testFuncs(filepath.Join(p.Dir, f))
			if err != nil {
				return nil, err
			}
			for _, n := range names {
				keys = append(keys, testKey{p.ImportPath, n})
			}
		}
	}
	return keys, nil
}

// testFuncs returns the names of the functions go test runs as tests.
func testFuncs(file string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("exgen: %w", err)
	}
	var names []string
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && isTestName(fn.Name.Name) && takesTestingT(fn) {
			names = append(names, fn.Name.Name)
		}
	}
	return names, nil
}

// isTestName follows go test: "Test" then nothing or a non-lower-case letter.
func isTestName(name string) bool {
	rest, ok := strings.CutPrefix(name, "Test")
	if !ok {
		return false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return rest == "" || !unicode.IsLower(r)
}

func takesTestingT(fn *ast.FuncDecl) bool {
	ps := fn.Type.Params.List
	if len(ps) != 1 || len(ps[0].Names) > 1 {
		return false
	}
	star, ok := ps[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "T"
}

// testRun gathers the verdict of each top-level test and each package's output.
type testRun struct {
	results map[testKey]string // "pass", "fail", "skip"
	output  map[string]*strings.Builder
	log     strings.Builder // everything, to explain a run that reported nothing
}

// all runs every package once; a test binary that dies (a panicking stub)
// takes its later tests with it, so those run again, by name, until each
// has a verdict or a run brings no new one.
func (r *testRun) all(ctx context.Context, timeout time.Duration, pkgs []string, tests []testKey) error {
	if err := r.goTest(ctx, timeout, pkgs, ""); err != nil {
		return err
	}
	for {
		missing := r.missing(tests)
		if len(missing) == 0 {
			return nil
		}
		before := len(r.results)
		for _, pkg := range slices.Sorted(maps.Keys(missing)) {
			if err := r.goTest(ctx, timeout, []string{pkg}, "^("+strings.Join(missing[pkg], "|")+")$"); err != nil {
				return err
			}
		}
		if len(r.results) == before {
			return nil // nothing more will run: judge reports them
		}
	}
}

func (r *testRun) missing(tests []testKey) map[string][]string {
	m := map[string][]string{}
	for _, k := range tests {
		if _, ok := r.results[k]; !ok {
			m[k.pkg] = append(m[k.pkg], k.test)
		}
	}
	return m
}

// goTest runs go test -json; its failing exit status is the expected news.
func (r *testRun) goTest(ctx context.Context, timeout time.Duration, pkgs []string, run string) error {
	args := []string{"test", "-count=1", "-json", "-timeout", timeout.String()}
	if run != "" {
		args = append(args, "-run", run)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, pkgs...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		return fmt.Errorf("exgen: go test %s: %w", strings.Join(pkgs, " "), err)
	}
	if err := r.parse(bytes.NewReader(out)); err != nil {
		return err
	}
	r.log.Write(stderr.Bytes())
	return nil
}

// parse reads a test2json stream; lines that are not JSON are kept in the log.
func (r *testRun) parse(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var ev struct{ Action, Package, Test, Output string }
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			r.log.Write(append(sc.Bytes(), '\n'))
			continue
		}
		r.log.WriteString(ev.Output)
		if ev.Package != "" && ev.Output != "" {
			if r.output[ev.Package] == nil {
				r.output[ev.Package] = &strings.Builder{}
			}
			r.output[ev.Package].WriteString(ev.Output)
		}
		if ev.Test != "" && !strings.Contains(ev.Test, "/") && (ev.Action == "pass" || ev.Action == "fail" || ev.Action == "skip") {
			r.results[testKey{ev.Package, ev.Test}] = ev.Action
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("exgen: read go test output: %w", err)
	}
	return nil
}

// judge turns verdicts into a report: only a failing test proves anything.
func judge(tests []testKey, results map[testKey]string, output map[string]*strings.Builder) *VerifyReport {
	rep := &VerifyReport{Tests: len(tests)}
	failing := map[string]bool{}
	for _, k := range tests {
		switch results[k] {
		case "fail":
			rep.Failing++
			failing[k.pkg] = true
		case "pass":
			rep.Unproven = append(rep.Unproven, fmt.Sprintf("%s %s passes against the stubs: it asserts nothing of the learner's code", k.pkg, k.test))
		case "skip":
			rep.Unproven = append(rep.Unproven, fmt.Sprintf("%s %s is skipped against the stubs: it proves nothing", k.pkg, k.test))
		default:
			rep.NotRun++
			rep.Unproven = append(rep.Unproven, fmt.Sprintf("%s %s never ran (does the package build?)", k.pkg, k.test))
		}
	}
	for _, pkg := range slices.Sorted(maps.Keys(failing)) {
		if out := output[pkg]; out == nil || !strings.Contains(out.String(), stubMessage) {
			rep.Silent = append(rep.Silent, fmt.Sprintf("%s fails without mentioning %q: something else than the stubs fails it", pkg, stubMessage))
		}
	}
	return rep
}
