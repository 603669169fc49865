package exgen

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The learner's loop, on a kit of its own: a module with the exercise
// package, two solution packages, and the go command for real.
const calcSolution = `package calc

import "fmt"

// Greeting is given code beside the learner's region.
const Greeting = "hi"

//ownkube:begin stage=1

// Add returns a+b, or an error when there is nothing to add.
func Add(a, b int) (int, error) {
	if a == 0 && b == 0 {
		return 0, fmt.Errorf("calc: nothing to add")
	}
	return a + b, nil
}

//ownkube:end
`

const calcTest = `package calc

import "testing"

func TestAdd(t *testing.T) {
	if got, err := Add(1, 2); err != nil || got != 3 {
		t.Fatalf("Add(1, 2) = %d, %v", got, err)
	}
}
`

const otherSolution = `package other

//ownkube:begin stage=2

// Double returns twice x.
func Double(x int) int { return 2 * x }

//ownkube:end
`

const otherTest = `package other

import "testing"

func TestDouble(t *testing.T) {
	if got := Double(2); got != 4 {
		t.Fatalf("Double(2) = %d", got)
	}
}
`

// kit builds the module in a temporary directory and returns its root.
func kit(t *testing.T) string {
	t.Helper()
	ex, err := os.ReadFile(filepath.Join("..", "exercise", "notimplemented.go"))
	if err != nil {
		t.Fatal(err)
	}
	return writeTree(t, map[string]string{
		"go.mod":                              "module " + modulePath + "\n\ngo 1.26\n",
		"components/kit/exercise/exercise.go": string(ex),
		"solutions/calc/calc.go":              calcSolution,
		"solutions/calc/calc_test.go":         calcTest,
		"solutions/other/other.go":            otherSolution,
		"solutions/other/other_test.go":       otherTest,
	})
}

func regenerate(t *testing.T, root string, force bool) (map[string][]byte, *WriteReport) {
	t.Helper()
	res, err := Generate(Config{Solutions: filepath.Join(root, "solutions")})
	if err != nil {
		t.Fatal(err)
	}
	return res.Files, mustWrite(t, filepath.Join(root, "exercises"), res.Files, force)
}

func replaceIn(t *testing.T, name, old, new string) {
	t.Helper()
	src := readFile(t, name)
	if !strings.Contains(src, old) {
		t.Fatalf("%s lacks %q", name, old)
	}
	if err := os.WriteFile(name, []byte(strings.Replace(src, old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fillIn writes the learner's Add: the solution's body, and the import it needs.
func fillIn(t *testing.T, root string) string {
	t.Helper()
	name := filepath.Join(root, "exercises", "calc", "calc.go")
	replaceIn(t, name, `import "`+exerciseImport+`"`, `import "fmt"`)
	replaceIn(t, name, "\t// TODO(stage 1): write Add; its doc comment says what it must do.\n\treturn 0, exercise.NotImplemented(1, \"calc.Add\")\n",
		"\tif a == 0 && b == 0 {\n\t\treturn 0, fmt.Errorf(\"calc: nothing to add\")\n\t}\n\treturn a + b, nil\n")
	return name
}

func TestALearnersFirstFunctionKeepsTheKitsProofsGreen(t *testing.T) {
	root := kit(t)
	files, _ := regenerate(t, root, false)
	dir := filepath.Join(root, "exercises")
	fillIn(t, root)

	rep, err := Check(dir, files)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Drifts) > 0 || !slices.Equal(rep.Learner, []string{filepath.ToSlash(dir) + "/calc/calc.go"}) || rep.Regions != 1 {
		t.Fatalf("check: drifts %v, learner %v (%d regions); want no drift and calc.go the learner's", rep.Drifts, rep.Learner, rep.Regions)
	}
	if !strings.Contains(rep.Summary(), "1 file in exercises/ is the learner's (1 edited region)") {
		t.Errorf("summary %q", rep.Summary())
	}

	t.Chdir(root)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	vrep, err := Verify(ctx, VerifyConfig{Dir: "exercises", Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if !vrep.OK() || vrep.Tests != 1 || vrep.Failing != 1 || !slices.Equal(vrep.Skipped, []string{exercisesImport + "/calc"}) {
		t.Fatalf("verify: OK=%v, %d of %d failing, skipped %v, unproven %v\n%s", vrep.OK(), vrep.Failing, vrep.Tests, vrep.Skipped, vrep.Unproven, vrep.Log)
	}
}

func TestAnUneditedButDriftedFileFailsTheCheck(t *testing.T) {
	root := kit(t)
	regenerate(t, root, false)
	fillIn(t, root)
	replaceIn(t, filepath.Join(root, "solutions", "other", "other.go"), "package other\n", "package other\n\n// A given comment, new in solutions/.\n")
	res, err := Generate(Config{Solutions: filepath.Join(root, "solutions")})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(filepath.Join(root, "exercises"), res.Files)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range rep.Drifts {
		got = append(got, d.String())
	}
	want := filepath.ToSlash(filepath.Join(root, "exercises")) + "/other/other.go: differs from what solutions/ generates"
	if !slices.Contains(got, want) {
		t.Fatalf("drifts %q, want %q among them", got, want)
	}
}

func TestRegeneratingKeepsTheLearnersRegionAndUpdatesTheGivenCode(t *testing.T) {
	root := kit(t)
	regenerate(t, root, false)
	name := fillIn(t, root)
	mine := readFile(t, name)
	replaceIn(t, filepath.Join(root, "solutions", "calc", "calc.go"), `"hi"`, `"hello"`)
	files, rep := regenerate(t, root, false)
	got := readFile(t, name)
	if want := strings.Replace(mine, `"hi"`, `"hello"`, 1); got != want {
		t.Fatalf("calc.go after make exercises:\n%s\nwant:\n%s", got, want)
	}
	if len(rep.Merged) != 1 || len(rep.Warnings) != 0 {
		t.Errorf("merged %q, warnings %q", rep.Merged, rep.Warnings)
	}
	if crep, err := Check(filepath.Join(root, "exercises"), files); err != nil || len(crep.Drifts) > 0 {
		t.Fatalf("check after the merge: %v, %v", crep.Drifts, err)
	}

	// A stub that changed under the learner's work: theirs stays, with a warning, on every run.
	replaceIn(t, filepath.Join(root, "solutions", "calc", "calc.go"), "func Add(a, b int)", "func Add(a, b int64)")
	replaceIn(t, filepath.Join(root, "solutions", "calc", "calc_test.go"), "Add(1, 2)", "Add(int64(1), 2)")
	for range 2 {
		_, rep = regenerate(t, root, false)
		if !strings.Contains(readFile(t, name), "func Add(a, b int) (int, error) {\n\tif a == 0") {
			t.Fatal("the learner's Add was overwritten")
		}
		if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "the stub of Add changed in solutions/") {
			t.Fatalf("warnings %q, want one about Add's changed stub", rep.Warnings)
		}
	}
	// Forced, the stub comes back.
	files, _ = regenerate(t, root, true)
	if got := readFile(t, name); got != string(files["calc/calc.go"]) {
		t.Fatalf("forced: calc.go\n%s", got)
	}
}

func TestEditsOutsideTheRegionsLeaveTheFileAlone(t *testing.T) {
	root := kit(t)
	regenerate(t, root, false)
	name := fillIn(t, root)
	replaceIn(t, name, `"hi"`, `"mine"`)
	replaceIn(t, filepath.Join(root, "solutions", "calc", "calc.go"), `"hi"`, `"hello"`)
	files, rep := regenerate(t, root, false)
	if !strings.Contains(readFile(t, name), `"mine"`) || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "edited outside its regions") {
		t.Fatalf("warnings %q; the file must be left alone", rep.Warnings)
	}
	crep, err := Check(filepath.Join(root, "exercises"), files)
	if err != nil || len(crep.Drifts) > 0 || len(crep.Learner) != 1 {
		t.Fatalf("check: %v %v %v; the file is the learner's", crep.Drifts, crep.Learner, err)
	}
}

func TestResetRestoresTheStub(t *testing.T) {
	for _, target := range []string{"calc.Add", "1"} {
		t.Run(target, func(t *testing.T) {
			root := kit(t)
			files, _ := regenerate(t, root, false)
			name := fillIn(t, root)
			rep, err := Reset(ResetConfig{Dir: filepath.Join(root, "exercises"), Target: target})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rep.Funcs, []string{"calc.Add"}) {
				t.Errorf("reset %v", rep.Funcs)
			}
			if got := readFile(t, name); got != string(files["calc/calc.go"]) {
				t.Fatalf("after reset:\n%s\nwant the stub as generated:\n%s", got, files["calc/calc.go"])
			}
		})
	}
	if _, err := Reset(ResetConfig{Dir: filepath.Join(kit(t), "solutions"), Target: "calc.Nope"}); err == nil || !strings.Contains(err.Error(), "no region") {
		t.Fatalf("reset of an unknown function: %v", err)
	}
}

func TestGivenCodeOutOfDateInALearnersFileIsDrift(t *testing.T) {
	root := kit(t)
	regenerate(t, root, false)
	fillIn(t, root)
	replaceIn(t, filepath.Join(root, "solutions", "calc", "calc.go"), `"hi"`, `"hello"`)
	res, err := Generate(Config{Solutions: filepath.Join(root, "solutions")})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(filepath.Join(root, "exercises"), res.Files)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(rep.Drifts, func(d Drift) bool {
		return strings.HasSuffix(d.Path, "calc/calc.go") && strings.HasPrefix(d.Problem, "given code outside your regions differs")
	}) {
		t.Fatalf("drifts %v: make exercises would bring the given code up to date, so the check must say so", rep.Drifts)
	}
}
