package stubproof

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/ownkube/ownkube/components/kit/scenario"
)

// it is a spec report of an It with these labels, in this state.
func it(name string, state types.SpecState, labels ...string) types.SpecReport {
	return types.SpecReport{
		LeafNodeType:     types.NodeTypeIt,
		LeafNodeText:     name,
		LeafNodeLabels:   labels,
		State:            state,
		LeafNodeLocation: types.CodeLocation{FileName: "/src/ownkube/e2e/apiserver/crud.go", LineNumber: 42},
	}
}

// mustVerdict judges r as stage n's run with the filter stageN.
func mustVerdict(t *testing.T, n int, r types.Report) StageVerdict {
	t.Helper()
	v, err := Verdict(Plan{Stage: n, LabelFilter: fmt.Sprintf("stage%d", n)}, r)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerdictCountsOnlySelectedSpecs(t *testing.T) {
	r := types.Report{SpecReports: types.SpecReports{
		it("fails", types.SpecStateFailed, "stage3"),
		it("another stage's, skipped by the filter", types.SpecStateSkipped, "stage4"),
		it("another stage's given", types.SpecStatePassed, "stage2", GivenLabel),
	}}
	v := mustVerdict(t, 3, r)
	if !v.OK() || v.Failed != 1 || v.Given != 0 {
		t.Errorf("only the stage's own specs count: %+v", v)
	}
	if _, err := Verdict(Plan{Stage: 3, LabelFilter: "stage3 &&"}, r); err == nil {
		t.Error("a bad label filter should be an error")
	}
}

func TestVerdictCountsFailedAndGiven(t *testing.T) {
	r := types.Report{SpecReports: types.SpecReports{
		{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStatePassed},
		it("creates", types.SpecStateFailed, "stage3"),
		it("panics", types.SpecStatePanicked, "stage3"),
		it("times out", types.SpecStateTimedout, "stage3"),
		it("415", types.SpecStatePassed, "stage3", GivenLabel),
		it("discovery", types.SpecStateFailed, "stage3", GivenLabel),
	}}
	v := mustVerdict(t, 3, r)
	if !v.OK() {
		t.Fatalf("verdict not OK: %+v", v)
	}
	if v.Failed != 3 || v.Given != 2 || v.GivenPassed != 1 {
		t.Errorf("failed %d, given %d (%d passed); want 3, 2 (1)", v.Failed, v.Given, v.GivenPassed)
	}
	if want := "stage 3: 3 specs fail on stubs, 2 given specs exempt (1 passed)"; v.Line() != want {
		t.Errorf("line %q, want %q", v.Line(), want)
	}
}

func TestVerdictGivenLabelOfContainerCounts(t *testing.T) {
	sr := it("inherits", types.SpecStatePassed, "stage1")
	sr.ContainerHierarchyLabels = [][]string{{"smoke", GivenLabel}}
	v := mustVerdict(t, 1, types.Report{SpecReports: types.SpecReports{sr}})
	if !v.OK() || v.Given != 1 {
		t.Errorf("a spec in a given container should be exempt: %+v", v)
	}
}

func TestVerdictNonGivenSurvivorsFail(t *testing.T) {
	for _, state := range []types.SpecState{types.SpecStatePassed, types.SpecStateSkipped, types.SpecStatePending, types.SpecStateInterrupted} {
		t.Run(state.String(), func(t *testing.T) {
			r := types.Report{SpecReports: types.SpecReports{
				it("fails", types.SpecStateFailed, "stage3"),
				it("survives", state, "stage3"),
			}}
			v := mustVerdict(t, 3, r)
			if v.OK() {
				t.Fatalf("a non-given spec %s on stubs should fail the proof: %+v", state, v)
			}
			if len(v.Survivors) != 1 || v.Survivors[0].Name != "survives" || v.Survivors[0].State != state.String() {
				t.Errorf("survivors %+v, want the one %s spec", v.Survivors, state)
			}
			if v.Survivors[0].Location != "e2e/apiserver/crud.go:42" {
				t.Errorf("location %q, want e2e/apiserver/crud.go:42", v.Survivors[0].Location)
			}
		})
	}
}

func TestVerdictNothingRanProvesNothing(t *testing.T) {
	v := mustVerdict(t, 5, types.Report{SpecReports: types.SpecReports{
		{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStatePassed},
	}})
	if v.OK() || len(v.Problems) != 1 {
		t.Errorf("a run of no spec should prove nothing: %+v", v)
	}
}

func TestVerdictFailedBringUpProvesNothing(t *testing.T) {
	// Ginkgo skips every spec after a failed BeforeSuite: they never met a
	// stub, so both the failure and the skips count against the proof.
	r := types.Report{SpecReports: types.SpecReports{
		{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStateFailed,
			Failure: types.Failure{Message: "bring up cluster e2e-x\nmore"}},
		it("creates", types.SpecStateSkipped, "stage3"),
	}}
	v := mustVerdict(t, 3, r)
	if v.OK() || len(v.Problems) != 1 || len(v.Survivors) != 1 {
		t.Fatalf("want one problem and one survivor: %+v", v)
	}
	if !strings.Contains(v.Problems[0], "bring up cluster e2e-x") || strings.Contains(v.Problems[0], "more") {
		t.Errorf("problem %q should carry the failure's first line", v.Problems[0])
	}
}

func TestVerdictInterruptedRunProvesNothing(t *testing.T) {
	r := types.Report{
		SpecReports:                types.SpecReports{it("creates", types.SpecStateFailed, "stage3")},
		SpecialSuiteFailureReasons: []string{"Interrupted by Timeout"},
	}
	if v := mustVerdict(t, 3, r); v.OK() {
		t.Errorf("an interrupted run should prove nothing: %+v", v)
	}
}

func TestVerdictListsSlowFailures(t *testing.T) {
	slow := it("waits", types.SpecStateFailed, "stage4")
	slow.RunTime = SlowAfter + time.Second
	fast := it("stops", types.SpecStateFailed, "stage4")
	fast.RunTime = time.Second
	v := mustVerdict(t, 4, types.Report{SpecReports: types.SpecReports{slow, fast}})
	if !v.OK() {
		t.Fatalf("slow failures still fail: %+v", v)
	}
	if len(v.Slow) != 1 || v.Slow[0].Name != "waits" {
		t.Errorf("slow %+v, want the one spec that waited", v.Slow)
	}
}

func TestStageEnvDropsWhatWouldLetSpecsSkip(t *testing.T) {
	env := stageEnv([]string{"PATH=/bin", "OWNKUBE_STAGE=9", "OWNKUBE_E2E_IMPL=solutions",
		"OWNKUBE_E2E_REFERENCE=scheduler", "OWNKUBE_MUTANT=x/y"}, Plan{Stage: 4, Reference: []string{"apiserver"}})
	joined := strings.Join(env, " ")
	for _, bad := range []string{"OWNKUBE_STAGE=9", "solutions", "scheduler", "MUTANT"} {
		if strings.Contains(joined, bad) {
			t.Errorf("env keeps %s: %v", bad, env)
		}
	}
	for _, want := range []string{"PATH=/bin", "OWNKUBE_STAGE=4", "OWNKUBE_E2E_IMPL=exercises", "OWNKUBE_E2E_REFERENCE=apiserver"} {
		if !strings.Contains(joined, want) {
			t.Errorf("env lacks %s: %v", want, env)
		}
	}
}

func TestReadReport(t *testing.T) {
	dir := t.TempDir()
	if _, err := readReport(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "no Ginkgo report") {
		t.Errorf("a missing report: %v", err)
	}
	two := filepath.Join(dir, "two.json")
	if err := os.WriteFile(two, []byte(`[{},{}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readReport(two); err == nil {
		t.Error("a report of two suites should be refused")
	}
	one := filepath.Join(dir, "one.json")
	if err := os.WriteFile(one, []byte(`[{"SuiteDescription":"ownkube conformance"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := readReport(one)
	if err != nil || r.SuiteDescription != "ownkube conformance" {
		t.Errorf("readReport = %+v, %v", r, err)
	}
}

func TestReportNamesSurvivors(t *testing.T) {
	var out bytes.Buffer
	report(&out, StageVerdict{Stage: 2, Failed: 1, Survivors: []Spec{{Name: "lists", Location: "e2e/coupled/stage2.go:9", State: "passed"}}})
	got := out.String()
	for _, want := range []string{"stage 2: 1 specs fail on stubs", `PASSED on stubs, not "given": lists (e2e/coupled/stage2.go:9)`} {
		if !strings.Contains(got, want) {
			t.Errorf("report %q lacks %q", got, want)
		}
	}
}

func TestPlanOfIsTheStageOnStubs(t *testing.T) {
	s := scenario.Scenario{Stage: 3, Topology: scenario.Topology{Components: []string{"etcd", "apiserver"}},
		Specs: scenario.Specs{Labels: "stage3"}, Learner: []scenario.Learner{{Package: "etcdstore", Stage: 2}, {Package: "etcdstore", Stage: 3}}}
	p := PlanOf(&s)
	if p.Stage != 3 || p.LabelFilter != "stage3" || len(p.Reference) != 0 {
		t.Errorf("plan %+v: want stage 3's label filter and no reference", p)
	}
}

func TestPlanOfRunsTheReferenceStoreAfterStage3(t *testing.T) {
	s := scenario.Scenario{Stage: 4, Topology: scenario.Topology{Components: []string{"etcd", "apiserver"}, Nodes: 2},
		Specs: scenario.Specs{Labels: "stage3 || stage4"}, Learner: []scenario.Learner{{Package: "kubelet", Stage: 4}}}
	p := PlanOf(&s)
	if p.LabelFilter != "(stage3 || stage4) && !stage3" || !slices.Equal(p.Reference, []string{"apiserver"}) {
		t.Errorf("plan %+v: want the API server from the reference and stage 3's specs left out", p)
	}
	if _, err := Verdict(p, types.Report{}); err != nil {
		t.Errorf("the filter does not parse: %v", err)
	}
}

func TestOwnPlanOfReferencesOnlyEarlierStagesComponents(t *testing.T) {
	kubelet := scenario.Learner{Package: "kubelet", Stage: 1}
	store2 := scenario.Learner{Package: "etcdstore", Stage: 2}
	store3 := scenario.Learner{Package: "etcdstore", Stage: 3}
	cases := []struct {
		name string
		s    scenario.Scenario
		ref  []string
	}{
		{"stage 1: push nodes run the stage's own kubelet", scenario.Scenario{Stage: 1, Learner: []scenario.Learner{kubelet}}, nil},
		{"stage 2: the CLI's store is the stage's, its push nodes' kubelet stage 1's", scenario.Scenario{Stage: 2,
			Topology: scenario.Topology{Components: []string{"etcd"}}, Learner: []scenario.Learner{store2}}, []string{"kubelet"}},
		{"stage 3: the API server links the stage's store", scenario.Scenario{Stage: 3,
			Topology: scenario.Topology{Components: []string{"etcd", "apiserver"}}, Learner: []scenario.Learner{store2, store3}}, nil},
		{"stage 4: the API server from the reference, the kubelet the stage's", scenario.Scenario{Stage: 4,
			Topology: scenario.Topology{Components: []string{"etcd", "apiserver"}, Nodes: 2},
			Learner:  []scenario.Learner{kubelet, {Package: "kubelet", Stage: 4}}}, []string{"apiserver"}},
		{"stage 7: the controller-manager links the stage's endpoints", scenario.Scenario{Stage: 7,
			Topology: scenario.Topology{Components: []string{"etcd", "apiserver", "scheduler", "controller-manager", "dns"}, Nodes: 2},
			Learner:  []scenario.Learner{{Package: "endpoints", Stage: 7}}}, []string{"apiserver", "kubelet", "scheduler"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := OwnPlanOf(&c.s)
			if p.LabelFilter != fmt.Sprintf("stage%d", c.s.Stage) {
				t.Errorf("label filter %q", p.LabelFilter)
			}
			if !slices.Equal(p.Reference, c.ref) {
				t.Errorf("reference %v, want %v", p.Reference, c.ref)
			}
		})
	}
}

func TestVerdictExemptsStoreOnlySpecsOnlyOnTheReferenceStore(t *testing.T) {
	r := types.Report{SpecReports: types.SpecReports{
		it("gc", types.SpecStatePassed, "stage6", StoreOnlyLabel),
		it("replicaset", types.SpecStateFailed, "stage6"),
	}}
	onRef, err := Verdict(Plan{Stage: 6, LabelFilter: "stage6", Reference: []string{"apiserver"}}, r)
	if err != nil {
		t.Fatal(err)
	}
	if !onRef.OK() || onRef.StoreOnly != 1 || onRef.StoreOnlyPassed != 1 || onRef.Failed != 1 {
		t.Errorf("on the reference store: %+v", onRef)
	}
	if !strings.HasSuffix(onRef.Line(), ", 1 store-only specs exempt on the reference store (1 passed)") {
		t.Errorf("line %q", onRef.Line())
	}
	onStub := mustVerdict(t, 6, r)
	if onStub.OK() || len(onStub.Survivors) != 1 {
		t.Errorf("on a stub store a store-only spec must fail like any other: %+v", onStub)
	}
}
