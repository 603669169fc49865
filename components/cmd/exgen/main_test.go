package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A kit of its own: the exercise package, one solution, a suite.
func kit(t *testing.T) string {
	t.Helper()
	ex, err := os.ReadFile(filepath.Join("..", "..", "kit", "exercise", "notimplemented.go"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for rel, content := range map[string]string{
		"go.mod":                              "module github.com/ownkube/ownkube\n\ngo 1.26\n",
		"components/kit/exercise/exercise.go": string(ex),
		"solutions/calc/calc.go":              "package calc\n\n//ownkube:begin stage=1\n\n// Add returns a+b.\nfunc Add(a, b int) int { return a + b }\n\n//ownkube:end\n",
		"e2e/calc.go":                         "package e2e\n",
	} {
		name := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(root)
	return root
}

func runExgen(t *testing.T, wantCode int, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != wantCode {
		t.Fatalf("exgen %v exited %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, wantCode, &stdout, &stderr)
	}
	return stdout.String() + stderr.String()
}

func TestTheLearnersLoop(t *testing.T) {
	root := kit(t)
	runExgen(t, 0)
	if _, err := os.Stat(filepath.Join(root, "e2e", "SUITE.sum")); err != nil {
		t.Fatalf("make exercises must record the suite: %v", err)
	}
	runExgen(t, 0, "-check")

	name := filepath.Join(root, "exercises", "calc", "calc.go")
	stub, _ := os.ReadFile(name)
	mine := strings.Replace(string(stub), "\t// TODO(stage 1): write Add; its doc comment says what it must do.\n\tpanic(exercise.NotImplemented(1, \"calc.Add\"))\n", "\treturn a + b\n", 1)
	mine = strings.Replace(mine, "import \"github.com/ownkube/ownkube/components/kit/exercise\"\n\n", "", 1) // as gofmt leaves it
	if err := os.WriteFile(name, []byte(mine), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := runExgen(t, 0, "-check"); !strings.Contains(out, "1 file in exercises/ is the learner's (1 edited region): skipped here, graded by make check instead") {
		t.Fatalf("-check must say the file is the learner's:\n%s", out)
	}
	runExgen(t, 1, "-check", "-pristine")

	runExgen(t, 0, "-reset", "calc.Add")
	if got, _ := os.ReadFile(name); !bytes.Equal(got, stub) {
		t.Fatalf("after -reset calc.Add:\n%s\nwant the stub:\n%s", got, stub)
	}
	if out := runExgen(t, 0, "-check"); strings.Contains(out, "learner's") {
		t.Fatalf("after the reset nothing is the learner's:\n%s", out)
	}
}

func TestAStaleSuiteRecordFailsTheCheck(t *testing.T) {
	root := kit(t)
	runExgen(t, 0)
	if err := os.WriteFile(filepath.Join(root, "e2e", "calc.go"), []byte("package e2e // every spec skipped\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := runExgen(t, 1, "-check"); !strings.Contains(out, "e2e/SUITE.sum is stale for e2e/calc.go: run make exercises") {
		t.Fatalf("-check output:\n%s", out)
	}
	runExgen(t, 0)
	runExgen(t, 0, "-check")
}

func TestAStudentReleaseHasNothingToGenerateOrCheck(t *testing.T) {
	root := kit(t)
	runExgen(t, 0)
	if err := os.RemoveAll(filepath.Join(root, "solutions")); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{nil, {"-check"}} {
		if out := runExgen(t, 0, args...); !strings.Contains(out, "a student release") {
			t.Errorf("exgen %v:\n%s", args, out)
		}
	}
}
