// Package stubproof is the kit's proof that its e2e specs can fail: every
// stage's topology and specs, run against the untouched exercises (whose
// learner regions are stubs that fail at once), must fail every spec that
// depends on the learner's code. Only the specs labelled GivenLabel, which
// check the kit's given plumbing alone (415, 413, discovery, the coupled
// topologies' bring-up), are exempt; a spec that is not given and passes or
// is skipped on stubs proves nothing about a learner's code, and fails the
// proof. A run that proves nothing at all (no spec selected, a failed
// bring-up, an interrupted suite) fails it too.
//
// After stage 3 the API server runs from the reference (PlanOf says why),
// and specs whose only learner code is the store (StoreOnlyLabel) are
// exempt there as well.
//
// Verdict reads one stage's Ginkgo report; Run runs each stage's suite
// (go test ./e2e with OWNKUBE_STAGE=N, the default build: exercises) and
// prints one line per stage. components/cmd/provestubs is its command and
// `make test-stubs` runs it.
package stubproof

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

// GivenLabel marks a spec that checks only given code: a stub of any
// learner function cannot make it fail, so the proof exempts it.
const GivenLabel = "given"

// StoreOnlyLabel marks a spec whose only learner code is the store core
// (etcdstore, stages 2-3): given code of a later stage (the namespace
// controller, the garbage collector, the API server's admission, the
// DNS) over the learner's store. Every such spec writes to the store (its
// namespace at least), so a stub store fails it; but its stage's topology
// cannot come up on a stub store, so the proof runs the API server from the
// reference there (PlanOf), and exempts these specs in those stages alone.
const StoreOnlyLabel = "store-only"

// Spec is one spec of a report, as the verdict names it.
type Spec struct {
	Name     string  `json:"name"`
	Location string  `json:"location"`
	State    string  `json:"state"`
	Seconds  float64 `json:"seconds"`
}

// SlowAfter is how long a spec may take to fail on stubs before the verdict
// lists it as slow: a stub answers at once, so a spec that takes longer
// waited out a timeout instead of seeing the stub (framework.StopIfNotImplemented
// is the mend), and the proof is slower than it need be.
const SlowAfter = 15 * time.Second

// StageVerdict is what one stage's run on stubs proved.
type StageVerdict struct {
	Stage int `json:"stage"`
	// Failed counts the non-given specs that failed, as they must.
	Failed int `json:"failed"`
	// Given counts the given specs; GivenPassed how many of them passed.
	Given       int `json:"given"`
	GivenPassed int `json:"givenPassed"`
	// StoreOnly counts the specs labelled StoreOnlyLabel exempted because
	// the store ran from the reference; StoreOnlyPassed how many passed.
	StoreOnly       int `json:"storeOnly,omitempty"`
	StoreOnlyPassed int `json:"storeOnlyPassed,omitempty"`
	// Survivors are non-given specs that did not fail: passed, skipped,
	// pending. Each is a spec that cannot tell a stub from a solution.
	Survivors []Spec `json:"survivors,omitempty"`
	// Problems are reasons the run proves nothing at all: no specs ran,
	// it was interrupted, a suite-level node (bring-up) failed.
	Problems []string `json:"problems,omitempty"`
	// Slow are non-given specs that failed, but only after SlowAfter.
	Slow []Spec `json:"slow,omitempty"`
	// Seconds is how long the stage's run took, bring-up included.
	Seconds float64 `json:"seconds"`
}

// OK reports whether the stage's run proves its specs: at least one spec,
// every non-given one failed, nothing cut the run short.
func (v StageVerdict) OK() bool { return len(v.Survivors) == 0 && len(v.Problems) == 0 }

// Line is the stage's one-line summary.
func (v StageVerdict) Line() string {
	line := fmt.Sprintf("stage %d: %d specs fail on stubs, %d given specs exempt (%d passed)", v.Stage, v.Failed, v.Given, v.GivenPassed)
	if v.StoreOnly > 0 {
		line += fmt.Sprintf(", %d store-only specs exempt on the reference store (%d passed)", v.StoreOnly, v.StoreOnlyPassed)
	}
	return line
}

// Verdict judges the Ginkgo report r of p's run against the stubs. Only
// the specs p's label filter selects count: Ginkgo reports the others as
// skipped too, though they were never meant to run.
func Verdict(p Plan, r types.Report) (StageVerdict, error) {
	v := StageVerdict{Stage: p.Stage}
	selected, err := types.ParseLabelFilter(p.LabelFilter)
	if err != nil {
		return v, fmt.Errorf("label filter %q: %w", p.LabelFilter, err)
	}
	its := 0
	for _, sr := range r.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			if sr.LeafNodeType.Is(types.NodeTypesForSuiteLevelNodes) && sr.State.Is(types.SpecStateFailureStates) {
				v.Problems = append(v.Problems, fmt.Sprintf("%s %s: %s", sr.LeafNodeType, sr.State, firstLine(sr.Failure.Message)))
			}
			continue
		}
		if !selected(sr.Labels()) {
			continue
		}
		its++
		judge(&v, sr, p.storeReferenced())
	}
	if its == 0 {
		v.Problems = append(v.Problems, fmt.Sprintf("no spec ran: the label filter %q selected nothing", p.LabelFilter))
	}
	for _, reason := range r.SpecialSuiteFailureReasons {
		if strings.Contains(reason, "Interrupted") || strings.Contains(reason, "Timeout") {
			v.Problems = append(v.Problems, "the run was cut short: "+reason)
		}
	}
	return v, nil
}

// judge counts one It: a given spec is exempt whatever its state; any other
// must have failed (a panic or a timeout is a failure too). A spec skipped
// because the suite's bring-up failed survives as well: it never met a stub.
// With the store from the reference, a spec labelled StoreOnlyLabel is
// exempt too.
func judge(v *StageVerdict, sr types.SpecReport, storeReferenced bool) {
	passed := sr.State == types.SpecStatePassed
	switch {
	case hasLabel(sr, GivenLabel):
		v.Given++
		if passed {
			v.GivenPassed++
		}
		return
	case storeReferenced && hasLabel(sr, StoreOnlyLabel):
		v.StoreOnly++
		if passed {
			v.StoreOnlyPassed++
		}
		return
	}
	spec := Spec{Name: sr.FullText(), Location: location(sr), State: sr.State.String(), Seconds: sr.RunTime.Round(100 * time.Millisecond).Seconds()}
	if !sr.State.Is(types.SpecStateFailureStates) || sr.State == types.SpecStateInterrupted {
		v.Survivors = append(v.Survivors, spec)
		return
	}
	v.Failed++
	if sr.RunTime > SlowAfter {
		v.Slow = append(v.Slow, spec)
	}
}

func hasLabel(sr types.SpecReport, label string) bool {
	return slices.Contains(sr.Labels(), label)
}

// location is the spec's file:line, with the file relative to the
// repository's e2e/ directory where it is under one.
func location(sr types.SpecReport) string {
	loc := sr.LeafNodeLocation
	file := loc.FileName
	if i := strings.LastIndex(file, "/e2e/"); i >= 0 {
		file = file[i+1:]
	}
	return fmt.Sprintf("%s:%d", file, loc.LineNumber)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
