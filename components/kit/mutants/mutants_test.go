//go:build solutions && mutants

package mutants_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/ownkube/ownkube/components/kit/mutant"
	"github.com/ownkube/ownkube/components/kit/mutants"
	"github.com/ownkube/ownkube/components/kit/mutants/endpoints"
	"github.com/ownkube/ownkube/components/kit/mutants/etcdstore"
	"github.com/ownkube/ownkube/components/kit/mutants/kubelet"
	"github.com/ownkube/ownkube/components/kit/mutants/nodelifecycle"
	"github.com/ownkube/ownkube/components/kit/mutants/replicaset"
	"github.com/ownkube/ownkube/components/kit/mutants/scheduler"
)

func keys[V any](m map[string]V) []string { return slices.Collect(maps.Keys(m)) }

// A registered mutant without a variant would survive every test, and a
// variant without its registration would never run.
func TestEveryMutantHasAVariantAndEveryVariantIsRegistered(t *testing.T) {
	variants := map[string]bool{}
	for _, names := range [][]string{
		keys(kubelet.Plan), keys(kubelet.Status), keys(kubelet.ShouldRestart), keys(kubelet.RenewLease), keys(kubelet.ReadyCondition),
		keys(etcdstore.Create), keys(etcdstore.Update), keys(etcdstore.Watch), keys(etcdstore.TranslateEvent),
		keys(scheduler.Schedule), keys(scheduler.Feasible), keys(scheduler.Filter), keys(scheduler.Score),
		keys(replicaset.Manage), keys(nodelifecycle.Unreachable), keys(nodelifecycle.Evictions),
		keys(endpoints.Endpoints), keys(endpoints.TargetPort),
	} {
		for _, n := range names {
			variants[n] = true
		}
	}
	perStage := map[int]int{}
	for _, m := range mutants.All() {
		if !variants[m.Name] {
			t.Errorf("mutant %s is registered but replaces no function", m.Name)
		}
		if !strings.HasPrefix(m.Name, m.Package+"/") {
			t.Errorf("mutant %s: its name must start with its package %s/", m.Name, m.Package)
		}
		delete(variants, m.Name)
		perStage[m.Stage]++
	}
	for n := range variants {
		t.Errorf("variant %s is not registered with mutant.Register", n)
	}
	for stage := 1; stage <= 7; stage++ {
		if perStage[stage] < 2 {
			t.Errorf("stage %d has %d mutants, want at least 2", stage, perStage[stage])
		}
	}
	if _, ok := mutant.Lookup("etcdstore/update-without-cas"); !ok {
		t.Error("Lookup does not find a registered mutant")
	}
}
