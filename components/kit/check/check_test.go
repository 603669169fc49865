package check

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/ownkube/ownkube/components/kit/scenario"
)

// TestTheCheckerLinksNoLearnerCode keeps the checker building when a
// learner's exercise does not: it runs learner code only in subprocesses.
func TestTheCheckerLinksNoLearnerCode(t *testing.T) {
	for _, tags := range []string{"", "solutions"} {
		out, err := exec.Command("go", "list", "-tags", tags, "-deps", "-test",
			"github.com/ownkube/ownkube/components/kit/check", "github.com/ownkube/ownkube/components/cmd/check").CombinedOutput()
		if err != nil {
			t.Fatalf("go list -tags %q: %v\n%s", tags, err, out)
		}
		for _, pkg := range strings.Fields(string(out)) {
			if strings.HasPrefix(pkg, "github.com/ownkube/ownkube/exercises/") || strings.HasPrefix(pkg, "github.com/ownkube/ownkube/solutions/") {
				t.Errorf("with tags %q the checker links %s", tags, pkg)
			}
		}
	}
}

const goTestOutput = `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"--- PASS: TestA\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"run","Package":"p","Test":"TestB"}
{"Action":"output","Package":"p","Test":"TestB/case","Output":"    etcdstore_test.go:42: Create: not implemented: stage 2 etcdstore.Create\n"}
{"Action":"fail","Package":"p","Test":"TestB/case"}
{"Action":"fail","Package":"p","Test":"TestB"}
{"Action":"fail","Package":"p"}
`

func TestFastTestsCountTopLevelTestsAndKeepTheFirstFailure(t *testing.T) {
	o := readGoTestJSON([]byte(goTestOutput))
	if o.passed != 1 || o.total != 2 || o.buildFailed {
		t.Errorf("outcome %+v, want 1/2 without a build failure", o)
	}
	if o.failure == nil || o.failure.Location != "p/etcdstore_test.go:42" || !strings.Contains(o.failure.Message, "not implemented: stage 2 etcdstore.Create") {
		t.Errorf("failure = %+v", o.failure)
	}
}

func TestABuildFailureNamesTheFileAndLine(t *testing.T) {
	out := `{"ImportPath":"x","Action":"build-output","Output":"# x\n"}
{"ImportPath":"x","Action":"build-output","Output":"exercises/kubelet/plan.go:30:2: undefined: foo\n"}
{"ImportPath":"x","Action":"build-fail"}
{"Action":"fail","Package":"x"}
`
	o := readGoTestJSON([]byte(out))
	if !o.buildFailed || o.failure == nil || o.failure.Location != "exercises/kubelet/plan.go:30" || !strings.Contains(o.failure.Message, "undefined: foo") {
		t.Errorf("outcome %+v, failure %+v", o, o.failure)
	}
}

var stage3 = &scenario.Scenario{Stage: 3, Name: "apiserver", Title: "API",
	Learner: []scenario.Learner{{Package: "etcdstore", Functions: []string{"Watch"}, Stage: 3}},
	Hints:   []scenario.Hint{{Match: "410", Text: "compacted"}, {Text: "general"}}}
var stage4 = &scenario.Scenario{Stage: 4, Name: "kubelet", Title: "Kubelet",
	Learner: []scenario.Learner{{Package: "kubelet", Functions: []string{"Plan"}, Stage: 1}, {Package: "kubelet", Functions: []string{"RenewLease"}, Stage: 4}},
	Hints:   []scenario.Hint{{Match: "lease", Text: "renew it"}}}

func TestAFailureNamesTheStubOrTheFunctionsOfTheSpecsStage(t *testing.T) {
	all := []*scenario.Scenario{stage3, stage4}
	f := &Failure{}
	explain(f, "pod: not implemented: stage 2 etcdstore.Create", []string{"nodes", "stage4"}, stage4, all)
	if strings.Join(f.Functions, ",") != "etcdstore.Create" || f.Hint != "" {
		t.Errorf("stub: %+v", f)
	}
	f = &Failure{}
	explain(f, "watch ended: 410 Gone", []string{"stage3"}, stage4, all)
	if strings.Join(f.Functions, ",") != "etcdstore.Watch" {
		t.Errorf("a stage-3 spec failing in stage 4 should point at stage 3's functions: %+v", f)
	}
	f = &Failure{}
	explain(f, "the lease was not renewed", nil, stage4, all)
	if strings.Join(f.Functions, ",") != "kubelet.Plan,kubelet.RenewLease" || f.Hint != "renew it" {
		t.Errorf("no label: %+v", f)
	}
}

// fakeGo is a go command that passes every fast test and writes the Ginkgo
// report given in GINKGO_REPORT where the e2e run is told to.
func fakeGo(t *testing.T, report types.Report) string {
	t.Helper()
	dir := t.TempDir()
	data, err := json.Marshal([]types.Report{report})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	script := `#!/bin/sh
for a in "$@"; do case "$a" in -ginkgo.json-report=*) cp "` + dir + `/report.json" "${a#-ginkgo.json-report=}";; esac; done
case " $* " in *" -json "*) echo '{"Action":"pass","Package":"p","Test":"TestX"}';; esac
echo "stage=$OWNKUBE_STAGE impl=$OWNKUBE_E2E_IMPL reference=$OWNKUBE_E2E_REFERENCE timelines=$OWNKUBE_TIMELINE_DIR" >&2
`
	path := filepath.Join(dir, "go")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func specReport(text, file string, line int, state types.SpecState, msg string, labels ...string) types.SpecReport {
	return types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: text, LeafNodeLabels: labels, State: state,
		Failure: types.Failure{Message: msg, Location: types.CodeLocation{FileName: "/src/ownkube/e2e/" + file, LineNumber: line}}}
}

func TestRunPrintsTheTableAndStopsAtTheFirstFailingStage(t *testing.T) {
	root := repoRoot(t)
	report := types.Report{SuiteSucceeded: false, PreRunStats: types.PreRunStats{SpecsThatWillRun: 2},
		SpecReports: types.SpecReports{
			specReport("should serve", "apiserver/crud.go", 10, types.SpecStatePassed, ""),
			withTimeline(specReport("should watch", "apiserver/watch.go", 77, types.SpecStateFailed, "watch: not implemented: stage 3 etcdstore.Watch\nmore", "stage3"),
				"/logs/should-watch.timeline.txt"),
		}}
	var out bytes.Buffer
	jsonFile, junitFile := filepath.Join(t.TempDir(), "r.json"), filepath.Join(t.TempDir(), "r.xml")
	r, err := Run(context.Background(), Options{Root: root, Stage: 4, Impl: Solutions, Go: fakeGo(t, report), Out: &out,
		JSON: jsonFile, JUnit: junitFile, Timeout: time.Minute})
	var ee *ExitError
	if !asExit(err, &ee) || ee.Code != ExitFailed {
		t.Fatalf("Run: %v, want exit code %d\n%s", err, ExitFailed, out.String())
	}
	// Stages 1 and 2 pass with this report too (it has a failure only
	// labelled stage3, but the fake go serves it to every stage): so stage 1
	// fails and the rest are not run.
	if r.Stages[0].Result != Failed || r.Stages[1].Result != NotRun || r.Stages[3].Result != NotRun {
		t.Errorf("results %+v", r.Stages)
	}
	for _, want := range []string{"STAGE", "SPECS", "1/2", "FAIL", "not run",
		"e2e/apiserver/watch.go:77: watch: not implemented: stage 3 etcdstore.Watch [should watch]",
		"look at: etcdstore.Watch (exercises/etcdstore)", "read:    exercises/stages/01-coupled.md", "stage 1: fast tests (no Docker): go test -tags solutions ./solutions/kubelet",
		"\n  timeline: /logs/should-watch.timeline.txt\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	var summary Report
	data, _ := os.ReadFile(jsonFile)
	if err := json.Unmarshal(data, &summary); err != nil || summary.Points != 1 || summary.Stages[0].Points != 1 || summary.ExitCode != ExitFailed ||
		summary.Stages[0].Failure.Timeline != "/logs/should-watch.timeline.txt" {
		t.Errorf("JSON summary %s: %v", data, err)
	}
	x, _ := os.ReadFile(junitFile)
	if !strings.Contains(string(x), "should watch") || !strings.Contains(string(x), "<failure") ||
		!strings.Contains(string(x), `<property name="Timeline" value="&#34;/logs/should-watch.timeline.txt&#34;">`) {
		t.Errorf("JUnit report:\n%s", x)
	}
	if log, _ := os.ReadFile(r.Stages[0].Log); !strings.Contains(string(log), "timelines="+filepath.Join(filepath.Dir(r.Stages[0].Log), "stage-01-run-1-timelines")) {
		t.Errorf("the suite was not told where to write timelines: %s", log)
	}
}

func withTimeline(sr types.SpecReport, path string) types.SpecReport {
	sr.ReportEntries = append(sr.ReportEntries,
		types.ReportEntry{Name: "Logs of container apiserver", Value: types.WrapEntryValue("many lines")},
		types.ReportEntry{Name: TimelineEntry, Value: types.WrapEntryValue(path)})
	return sr
}

func TestAFailureWithoutATimelineNamesNone(t *testing.T) {
	sr := specReport("should watch", "apiserver/watch.go", 77, types.SpecStateFailed, "boom")
	sr.ReportEntries = types.ReportEntries{{Name: "Timeline not written", Value: types.WrapEntryValue("disk full")}}
	if f, _ := specFailure(sr); f.Timeline != "" {
		t.Errorf("timeline %q, want none", f.Timeline)
	}
	var out bytes.Buffer
	printFailure(&out, StageResult{Stage: 3, Result: Failed, Failure: &Failure{Message: "boom"}})
	if strings.Contains(out.String(), "timeline") {
		t.Errorf("a failure without a timeline names one:\n%s", out.String())
	}
}

func TestASuiteThatCannotComeUpIsAnInfrastructureError(t *testing.T) {
	setup := types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStateFailed,
		Failure: types.Failure{Message: "port 6443 on 127.0.0.1 is in use"}}
	report := types.Report{PreRunStats: types.PreRunStats{SpecsThatWillRun: 3}, SpecReports: types.SpecReports{setup}}
	var out bytes.Buffer
	_, err := Run(context.Background(), Options{Root: repoRoot(t), Stage: 1, Go: fakeGo(t, report), Out: &out, Timeout: time.Minute})
	var ee *ExitError
	if !asExit(err, &ee) || ee.Code != ExitInfra || !strings.Contains(ee.Msg, "did not come up: port 6443") {
		t.Fatalf("Run: %v, want an infrastructure error\n%s", err, out.String())
	}
}

func TestRepeatReportsThePassRate(t *testing.T) {
	report := types.Report{SuiteSucceeded: true, PreRunStats: types.PreRunStats{SpecsThatWillRun: 1},
		SpecReports: types.SpecReports{specReport("ok", "x.go", 1, types.SpecStatePassed, "")}}
	var out bytes.Buffer
	r, err := Run(context.Background(), Options{Root: repoRoot(t), Stage: 2, Repeat: 3, Go: fakeGo(t, report), Out: &out, Timeout: time.Minute})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	seeds := map[int64]bool{}
	for _, run := range r.Stages[1].Runs {
		seeds[run.Seed] = true
	}
	if len(r.Stages[1].Runs) != 3 || len(seeds) != 3 || !strings.Contains(out.String(), "PASS 3/3 runs") {
		t.Errorf("runs %+v\n%s", r.Stages[1].Runs, out.String())
	}
}

func asExit(err error, ee **ExitError) bool {
	e, ok := err.(*ExitError)
	*ee = e
	return ok
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := scenario.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestATimeoutSaysWhatWasAwaited(t *testing.T) {
	got := headline("Timed out after 15.001s.\nwaiting for Namespace x to be gone\nmore")
	if got != "Timed out after 15.001s. waiting for Namespace x to be gone" {
		t.Errorf("headline = %q", got)
	}
	if got := headline("expected 1\nto equal 2"); got != "expected 1" {
		t.Errorf("headline = %q", got)
	}
}

func TestAClusterThatRefusesAStubIsTheLearnersFailure(t *testing.T) {
	setup := types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStateFailed,
		Failure: types.Failure{Message: "start apiserver: cannot start: not implemented: stage 2 etcdstore.Create"}}
	report := types.Report{PreRunStats: types.PreRunStats{SpecsThatWillRun: 3}, SpecReports: types.SpecReports{setup}}
	var out bytes.Buffer
	r, err := Run(context.Background(), Options{Root: repoRoot(t), Stage: 1, Go: fakeGo(t, report), Out: &out, Timeout: time.Minute})
	var ee *ExitError
	if !asExit(err, &ee) || ee.Code != ExitFailed {
		t.Fatalf("Run: %v, want exit code %d\n%s", err, ExitFailed, out.String())
	}
	if f := r.Stages[0].Failure; f == nil || strings.Join(f.Functions, ",") != "etcdstore.Create" {
		t.Errorf("failure %+v", f)
	}
}

// A stage run with --reference says so in the table and the JSON summary,
// passes the list to the suite, and skips the fast tests of a stage whose
// learner code the reference runs (they test the learner's stubs).
func TestAReferencedStageIsMarkedAndSkipsTheFastTestsOfReferencedCode(t *testing.T) {
	report := types.Report{SuiteSucceeded: true, PreRunStats: types.PreRunStats{SpecsThatWillRun: 1},
		SpecReports: types.SpecReports{specReport("ok", "x.go", 1, types.SpecStatePassed, "")}}
	var out bytes.Buffer
	jsonFile := filepath.Join(t.TempDir(), "r.json")
	r, err := Run(context.Background(), Options{Root: repoRoot(t), Stage: 5, Go: fakeGo(t, report), Out: &out,
		Reference: []string{"apiserver", "kubelet"}, JSON: jsonFile, Timeout: time.Minute})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	want := map[int]string{1: "PASS (reference: kubelet)", 2: "PASS (reference: kubelet)", 3: "PASS (reference: apiserver)", 4: "PASS (reference: apiserver, kubelet)",
		5: "PASS (reference: apiserver, kubelet)"}
	for n, cell := range want {
		if got := resultCell(r.Stages[n-1]); got != cell {
			t.Errorf("stage %d: result %q, want %q", n, got, cell)
		}
		if !strings.Contains(out.String(), cell) {
			t.Errorf("the table lacks %q:\n%s", cell, out.String())
		}
	}
	for _, line := range []string{"stage 1: fast tests skipped: its code runs from the reference (kubelet)",
		"stage 2: fast tests (no Docker): go test -tags exercises ./exercises/etcdstore", "stage 4: fast tests skipped",
		"stage 5: fast tests (no Docker): go test -tags exercises ./exercises/scheduler"} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("output lacks %q:\n%s", line, out.String())
		}
	}
	if r.Stages[4].FastSkipped || !r.Stages[3].FastSkipped {
		t.Errorf("fast skipped: stage 4 %v, stage 5 %v", r.Stages[3].FastSkipped, r.Stages[4].FastSkipped)
	}
	if log, _ := os.ReadFile(r.Stages[3].Log); !strings.Contains(string(log), "reference=apiserver,kubelet") {
		t.Errorf("the suite was not given the reference: %s", log)
	}
	var summary Report
	data, _ := os.ReadFile(jsonFile)
	if err := json.Unmarshal(data, &summary); err != nil || strings.Join(summary.Reference, ",") != "apiserver,kubelet" ||
		strings.Join(summary.Stages[2].Reference, ",") != "apiserver" {
		t.Errorf("JSON summary %s: %v", data, err)
	}
}

func TestABadReferenceIsRefused(t *testing.T) {
	for _, args := range [][]string{{"--reference", "etcd"}, {"--reference", "kubelet,dns"}} {
		cmd := NewCommand()
		cmd.SetArgs(args)
		cmd.SetOut(&bytes.Buffer{})
		err := cmd.ExecuteContext(context.Background())
		var ee *ExitError
		if !asExit(err, &ee) || ee.Code != ExitInfra || !strings.Contains(ee.Msg, "choose among") {
			t.Errorf("%v: %v, want an infrastructure error naming the choices", args, err)
		}
	}
	if _, err := Run(context.Background(), Options{Root: repoRoot(t), Impl: Solutions, Reference: []string{"kubelet"}}); err == nil {
		t.Error("--reference with --impl solutions: want an error")
	}
	if _, err := Run(context.Background(), Options{Root: repoRoot(t), Reference: []string{"proxy"}}); err == nil {
		t.Error("--reference proxy: want an error")
	}
}

func TestASetupThatTimesOutBuildingImagesSaysToBuildThemFirst(t *testing.T) {
	building := types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStateTimedout,
		SpecEvents: types.SpecEvents{{SpecEventType: types.SpecEventByStart, Message: "building the images of implementation solutions"}}}
	if got := setupAdvice(building); !strings.Contains(got, "make images IMPL=solutions") {
		t.Errorf("advice %q, want it to say to build the images of solutions first", got)
	}
	starting := types.SpecReport{SpecEvents: types.SpecEvents{
		{SpecEventType: types.SpecEventByStart, Message: "building the images of implementation exercises"},
		{SpecEventType: types.SpecEventByStart, Message: "starting etcd"}}}
	if got := setupAdvice(starting); !strings.Contains(got, "Docker is healthy") {
		t.Errorf("advice %q after the images were built, want the Docker advice", got)
	}
}
