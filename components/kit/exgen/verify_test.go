package exgen

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestJudgeRequiresEveryTestToFailThroughTheStubs(t *testing.T) {
	const pkg = "github.com/ownkube/ownkube/exercises/p"
	tests := []struct {
		name         string
		stream       string
		wantFailing  int
		wantUnproven []string
		wantSilent   bool
	}{
		{"all fail through the stubs", `
{"Action":"run","Package":"` + pkg + `","Test":"TestA"}
{"Action":"output","Package":"` + pkg + `","Test":"TestA","Output":"    a_test.go:9: not implemented: stage 2 p.A\n"}
{"Action":"fail","Package":"` + pkg + `","Test":"TestA"}
{"Action":"fail","Package":"` + pkg + `","Test":"TestB/sub"}
{"Action":"fail","Package":"` + pkg + `","Test":"TestB"}
{"Action":"fail","Package":"` + pkg + `"}`, 2, nil, false},
		{"a passing test asserts nothing", `
{"Action":"fail","Package":"` + pkg + `","Test":"TestA","Output":""}
{"Action":"output","Package":"` + pkg + `","Output":"panic: not implemented: stage 3 p.B\n"}
{"Action":"pass","Package":"` + pkg + `","Test":"TestB"}`, 1, []string{"TestB passes against the stubs"}, false},
		{"skipped and unrun tests prove nothing", `
not json: a build line
{"Action":"skip","Package":"` + pkg + `","Test":"TestA"}`, 0, []string{"TestA is skipped", "TestB never ran"}, false},
		{"a failure that never mentions the stubs", `
{"Action":"output","Package":"` + pkg + `","Test":"TestA","Output":"connection refused\n"}
{"Action":"fail","Package":"` + pkg + `","Test":"TestA"}
{"Action":"fail","Package":"` + pkg + `","Test":"TestB"}`, 2, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := &testRun{results: map[testKey]string{}, output: map[string]*strings.Builder{}}
			if err := run.parse(strings.NewReader(tt.stream)); err != nil {
				t.Fatal(err)
			}
			rep := judge([]testKey{{pkg, "TestA"}, {pkg, "TestB"}}, run.results, run.output)
			if rep.Tests != 2 || rep.Failing != tt.wantFailing {
				t.Errorf("%d of %d failing, want %d of 2", rep.Failing, rep.Tests, tt.wantFailing)
			}
			if len(rep.Unproven) != len(tt.wantUnproven) {
				t.Fatalf("unproven %q, want %q", rep.Unproven, tt.wantUnproven)
			}
			for i, w := range tt.wantUnproven {
				if !strings.Contains(rep.Unproven[i], w) {
					t.Errorf("unproven[%d] = %q, want it to say %q", i, rep.Unproven[i], w)
				}
			}
			if (len(rep.Silent) > 0) != tt.wantSilent {
				t.Errorf("silent %q, want silent=%v", rep.Silent, tt.wantSilent)
			}
			if rep.OK() != (len(tt.wantUnproven) == 0 && !tt.wantSilent) {
				t.Errorf("OK() = %v", rep.OK())
			}
		})
	}
}

func TestTestFuncsFollowsGoTest(t *testing.T) {
	dir := writeTree(t, map[string]string{"x_test.go": `package x

import "testing"

func TestMain(m *testing.M)          {}
func TestOne(t *testing.T)           {}
func Test(t *testing.T)              {}
func Testify(t *testing.T)           {}
func TestÉté(t *testing.T)           {}
func BenchmarkX(b *testing.B)        {}
func TestHelper(t *testing.T, x int) {}
func ExampleX()                      {}
`})
	got, err := testFuncs(filepath.Join(dir, "x_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"TestOne", "Test", "TestÉté"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestGoPattern(t *testing.T) {
	for dir, want := range map[string]string{"exercises": "./exercises/...", "./exercises/": "./exercises/...", "/abs/ex": "/abs/ex/..."} {
		if got := goPattern(dir); got != want {
			t.Errorf("goPattern(%q) = %q, want %q", dir, got, want)
		}
	}
}
