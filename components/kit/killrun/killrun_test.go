package killrun

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ownkube/ownkube/components/kit/mutant"
	"github.com/ownkube/ownkube/components/kit/scenario"
)

// fakeRunner fails the fast package or stage that kills each mutant.
type fakeRunner struct {
	fastKills map[string]string // mutant -> package whose tests it fails
	e2eKills  map[string]bool
	fastRuns  []string // "mutant package", in order
	e2eRuns   []string
}

func (f *fakeRunner) Fast(_ context.Context, fast scenario.Fast, name string) (string, error) {
	f.fastRuns = append(f.fastRuns, name+" "+fast.Package+" "+fast.Run)
	if f.fastKills[name] == fast.Package {
		return "TestIt/sub", nil
	}
	return "", nil
}

func (f *fakeRunner) E2E(_ context.Context, s *scenario.Scenario, name string) (string, error) {
	f.e2eRuns = append(f.e2eRuns, name)
	if f.e2eKills[name] {
		return "Spec should work", nil
	}
	return "", nil
}

func stages() []*scenario.Scenario {
	return []*scenario.Scenario{
		{Stage: 1, Learner: []scenario.Learner{{Package: "kubelet", Stage: 1}},
			Fast: []scenario.Fast{{Package: "./exercises/kubelet"}}},
		{Stage: 2, Learner: []scenario.Learner{{Package: "etcdstore", Stage: 2}},
			Fast: []scenario.Fast{{Package: "./components/storage", Run: "^TestKeys"}}},
		{Stage: 3, Learner: []scenario.Learner{{Package: "etcdstore", Stage: 2}, {Package: "etcdstore", Stage: 3}},
			Fast: []scenario.Fast{{Package: "./components/storage"}, {Package: "./components/apiserver"}}},
		{Stage: 4, Learner: []scenario.Learner{{Package: "kubelet", Stage: 1}, {Package: "kubelet", Stage: 4}},
			Fast: []scenario.Fast{{Package: "./exercises/kubelet"}, {Package: "./components/kubelet"}}},
	}
}

func TestFastForTakesTheComponentsPackagesOfEveryStageGradingTheRegion(t *testing.T) {
	for _, tc := range []struct {
		m    mutant.Mutant
		want string
	}{
		{mutant.Mutant{Package: "kubelet", Stage: 1}, "./components/kubelet"},
		{mutant.Mutant{Package: "etcdstore", Stage: 2}, "./components/storage ./components/apiserver"},
		{mutant.Mutant{Package: "etcdstore", Stage: 3}, "./components/storage ./components/apiserver"},
		{mutant.Mutant{Package: "scheduler", Stage: 5}, ""},
	} {
		var got []string
		for _, f := range FastFor(tc.m, stages()) {
			if f.Run != "" {
				t.Errorf("%s stage %d: %s keeps -run %q; stage 3 runs it whole", tc.m.Package, tc.m.Stage, f.Package, f.Run)
			}
			got = append(got, f.Package)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s stage %d: fast %q, want %q", tc.m.Package, tc.m.Stage, got, tc.want)
		}
	}
}

func TestEachMutantRunsE2EOnlyWhenNoFastTestKillsIt(t *testing.T) {
	ms := []mutant.Mutant{
		{Name: "etcdstore/a", Package: "etcdstore", Stage: 2},
		{Name: "kubelet/b", Package: "kubelet", Stage: 1},
	}
	r := &fakeRunner{fastKills: map[string]string{"etcdstore/a": "./components/apiserver"}, e2eKills: map[string]bool{"kubelet/b": true}}
	var out strings.Builder
	rows, err := Run(context.Background(), Options{Mutants: ms, Scenarios: stages(), Runner: r, Out: &out})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	want := []string{
		"etcdstore/a ./components/storage ", "etcdstore/a ./components/apiserver ",
		"kubelet/b ./components/kubelet ",
		" ./components/apiserver ^(TestIt)$", // the sanity run: the one test that killed
	}
	if strings.Join(r.fastRuns, "|") != strings.Join(want, "|") {
		t.Errorf("fast runs\n%q\nwant\n%q", r.fastRuns, want)
	}
	if strings.Join(r.e2eRuns, " ") != "kubelet/b" {
		t.Errorf("e2e runs %q, want only kubelet/b's: etcdstore/a's fast tests killed it", r.e2eRuns)
	}
	if len(rows) != 3 || rows[0].Mutant != SanityRow || rows[1].KilledBy != "components/apiserver TestIt/sub" || rows[2].KilledBy != "e2e: Spec should work" {
		t.Errorf("rows %+v", rows)
	}
	for _, s := range []string{"MUTANT", "STAGE", "KILLED BY", "TIME", "etcdstore/a", "e2e: Spec should work"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("the table lacks %q:\n%s", s, out.String())
		}
	}
}

func TestASurvivorFailsTheRun(t *testing.T) {
	ms := []mutant.Mutant{{Name: "etcdstore/a", Package: "etcdstore", Stage: 2}}
	for _, noE2E := range []bool{false, true} {
		r := &fakeRunner{}
		rows, err := Run(context.Background(), Options{Mutants: ms, Scenarios: stages(), Runner: r, NoE2E: noE2E})
		if !errors.Is(err, ErrSurvived) || !strings.Contains(err.Error(), "etcdstore/a") {
			t.Errorf("NoE2E %v: err %v, want ErrSurvived naming etcdstore/a", noE2E, err)
		}
		if len(rows) != 2 || rows[0].Mutant != SanityRow || !rows[1].Survived || !strings.HasPrefix(rows[1].KilledBy, "SURVIVED") {
			t.Errorf("NoE2E %v: rows %+v", noE2E, rows)
		}
		if noE2E != (len(r.e2eRuns) == 0) {
			t.Errorf("NoE2E %v: e2e runs %q", noE2E, r.e2eRuns)
		}
	}
}

// killsEvenWithoutMutant fails a package's tests whatever the mutant.
type killsEvenWithoutMutant struct{ fakeRunner }

func (k *killsEvenWithoutMutant) Fast(_ context.Context, f scenario.Fast, name string) (string, error) {
	k.fastRuns = append(k.fastRuns, name+" "+f.Package+" "+f.Run)
	if f.Package == "./components/storage" {
		return "TestBroken", nil
	}
	return "", nil
}

func TestAKillingTestThatFailsWithoutAMutantFailsTheRun(t *testing.T) {
	ms := []mutant.Mutant{{Name: "etcdstore/a", Package: "etcdstore", Stage: 2}}
	r := &killsEvenWithoutMutant{}
	rows, err := Run(context.Background(), Options{Mutants: ms, Scenarios: stages(), Runner: r})
	if !errors.Is(err, ErrSurvived) || len(rows) != 2 || !rows[0].Survived || !strings.Contains(rows[0].KilledBy, "WITHOUT A MUTANT") {
		t.Errorf("err %v, rows %+v: want the sanity row failed", err, rows)
	}
	if last := r.fastRuns[len(r.fastRuns)-1]; last != " ./components/storage ^(TestBroken)$" {
		t.Errorf("the sanity run ran %q, want the killing test alone without a mutant", last)
	}
}

func TestFirstFailureNamesTheTestOrHowTheBinaryDied(t *testing.T) {
	for out, want := range map[string]string{
		"=== RUN   TestA\n    --- FAIL: TestA/sub (0.1s)\n--- FAIL: TestA (0.1s)\nFAIL\n": "TestA/sub",
		"=== RUN   TestB\npanic: boom\n\ngoroutine 1\n":                                   "(panic: boom)",
		"panic: test timed out after 3m0s\n--- FAIL: TestC\n":                             "(panic: test timed out after 3m0s)",
		"something else\nexit status 2\n":                                                 "(the test binary failed: exit status 2)",
	} {
		if got := firstFailure([]byte(out)); got != want {
			t.Errorf("firstFailure(%q) = %q, want %q", out, got, want)
		}
	}
}

func TestFirstFailedSpecReadsGinkgosReport(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	failed := write("failed.json", `[{"PreRunStats":{"SpecsThatWillRun":2},"SpecReports":[
		{"LeafNodeType":"It","LeafNodeText":"passes","State":"passed"},
		{"ContainerHierarchyTexts":["Pods"],"LeafNodeType":"It","LeafNodeText":"should run","State":"failed"}]}]`)
	if got, err := firstFailedSpec(failed); err != nil || got != "Pods should run" {
		t.Errorf("failed report: %q, %v", got, err)
	}
	passed := write("passed.json", `[{"PreRunStats":{"SpecsThatWillRun":1},"SpecReports":[{"LeafNodeType":"It","State":"passed"}]}]`)
	if got, err := firstFailedSpec(passed); err != nil || got != "" {
		t.Errorf("passed report: %q, %v", got, err)
	}
	setup := write("setup.json", `[{"PreRunStats":{"SpecsThatWillRun":1},"SpecReports":[
		{"LeafNodeType":"SynchronizedBeforeSuite","State":"failed","Failure":{"Message":"no Docker"}}]}]`)
	if _, err := firstFailedSpec(setup); !errors.Is(err, errSetup) {
		t.Errorf("setup failure: err %v, want errSetup", err)
	}
	none := write("none.json", `[{"PreRunStats":{"SpecsThatWillRun":0}}]`)
	if _, err := firstFailedSpec(none); err == nil {
		t.Error("a run of no spec: want an error, it proves nothing")
	}
}

func TestKillersOfOnePackageJoinInOneRun(t *testing.T) {
	a := scenario.Fast{Package: "./components/kubelet"}
	var ks []scenario.Fast
	ks = addKiller(ks, killer(a, "TestA/sub"))
	ks = addKiller(ks, killer(a, "TestB"))
	ks = addKiller(ks, killer(a, "TestA"))
	ks = addKiller(ks, killer(scenario.Fast{Package: "./components/storage", Run: "^TestKeys"}, "(panic: boom)"))
	if len(ks) != 2 || ks[0].Run != "^(TestA|TestB)$" || ks[1].Run != "^TestKeys" {
		t.Errorf("killers %+v, want kubelet ^(TestA|TestB)$ and storage as it ran", ks)
	}
	ks = addKiller(ks, killer(scenario.Fast{Package: "./components/storage", Run: "^TestKeys"}, "TestC"))
	if ks[1].Run != "" {
		t.Errorf("storage's run %q: a died binary's run and a test's join as the whole package", ks[1].Run)
	}
}

func TestE2EOnlySkipsTheFastTests(t *testing.T) {
	ms := []mutant.Mutant{{Name: "etcdstore/a", Package: "etcdstore", Stage: 2}}
	r := &fakeRunner{fastKills: map[string]string{"etcdstore/a": "./components/storage"}, e2eKills: map[string]bool{"etcdstore/a": true}}
	rows, err := Run(context.Background(), Options{Mutants: ms, Scenarios: stages(), Runner: r, E2EOnly: true})
	if err != nil || len(r.fastRuns) != 0 || len(rows) != 2 || rows[1].KilledBy != "e2e: Spec should work" {
		t.Errorf("err %v, fast runs %q, rows %+v: want the spec alone to kill it", err, r.fastRuns, rows)
	}
}
