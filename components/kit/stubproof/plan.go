package stubproof

import (
	"fmt"
	"slices"

	"github.com/ownkube/ownkube/components/kit/scenario"
)

// Plan is how one stage is proven: its topology and label filter, and
// the components to run from the reference solutions instead of the stubs.
type Plan struct {
	Stage       int
	LabelFilter string
	// Reference are the components run from the reference solutions
	// (check's --reference); none in the proof proper.
	Reference []string
}

// storeReferenced reports whether the store core runs from the reference:
// the API server, which links it, does.
func (p Plan) storeReferenced() bool { return slices.Contains(p.Reference, "apiserver") }

// storeStageLabel is the label of the API server's stage (3), whose
// learner code is the store core (etcdstore) the API server links.
const storeStageLabel = "stage3"

// PlanOf is stage s's proof: its topology and label filter, with every
// component on the stubs, so that a spec that passes there passes with
// every learner function a stub: only given code can have made it pass.
//
// One exception, since a topology with nodes or controllers does not come
// up on a stub store (a kubelet cannot register its node, informers never
// sync): after stage 3 the API server runs from the reference, and the
// stage-3 specs, which test it and were proven by stage 3's own run, are
// left out, and the specs labelled StoreOnlyLabel are exempt. Every other
// learner function stays a stub.
func PlanOf(s *scenario.Scenario) Plan {
	p := Plan{Stage: s.Stage, LabelFilter: s.Specs.Labels}
	if s.HasComponent("apiserver") && !slices.ContainsFunc(s.Learner, func(l scenario.Learner) bool { return l.Package == "etcdstore" }) {
		p.Reference = []string{"apiserver"}
		p.LabelFilter = fmt.Sprintf("(%s) && !%s", s.Specs.Labels, storeStageLabel)
	}
	return p
}

// OwnPlanOf is the stricter look at stage s that --own-stage asks for: only
// the stage's own specs (label stageN), with the components that link none
// of the stage's own learner code from the reference. On stubs alone a
// stage-5 spec fails at its first request to an API server whose store is
// a stub, long before it meets the scheduler; here a stage's spec fails only
// if the stage's own stubs make it fail, so what passes is a spec that the
// stage's learner gets for free (given code of that stage, on top of the
// earlier stages' learner code): worth knowing, though not a failure of
// the proof's rule.
func OwnPlanOf(s *scenario.Scenario) Plan {
	own := map[string]bool{} // components linking learner code of this stage
	for _, l := range s.Learner {
		if l.Stage == s.Stage {
			own[scenario.ComponentOf(l.Package)] = true
		}
	}
	var candidates []string
	for _, c := range scenario.Referable {
		if !own[c] {
			candidates = append(candidates, c)
		}
	}
	ref := s.Referenced(candidates)
	slices.Sort(ref)
	return Plan{Stage: s.Stage, LabelFilter: fmt.Sprintf("stage%d", s.Stage), Reference: ref}
}
