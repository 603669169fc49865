//go:build solutions && mutants

// Package scheduler holds the mutants of the scheduler's learner region
// (solutions/scheduler, stage 5). The reference's Schedule calls its own
// Feasible, Filter and Score, so a variant of one of them comes with the
// Schedule (and Feasible) that call it.
package scheduler

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/kit/mutant"
	"github.com/ownkube/ownkube/components/scheduler/snapshot"
	impl "github.com/ownkube/ownkube/solutions/scheduler"
)

// The signatures of the functions the variants replace.
type (
	ScheduleFunc = func(*corev1.Pod, *snapshot.Snapshot) (string, error)
	FeasibleFunc = func(*snapshot.PodInfo, []*snapshot.NodeInfo) ([]*snapshot.NodeInfo, error)
	FilterFunc   = func(*snapshot.PodInfo, *snapshot.NodeInfo) error
	ScoreFunc    = func(*snapshot.PodInfo, []*snapshot.NodeInfo) ([]snapshot.NodeScore, error)
)

var (
	ignoresRequests = mutant.Register(mutant.Mutant{Name: "scheduler/ignores-requests", Package: "scheduler", Stage: 5,
		Description: "Filter ignores the pod's cpu and memory requests",
		Breaks:      "pods are bound to nodes that have no room for them: nodes are overcommitted"})
	ignoresSpreading = mutant.Register(mutant.Mutant{Name: "scheduler/ignores-owner-spreading", Package: "scheduler", Stage: 5,
		Description: "Score gives every node the full spreading score, whatever pods of the owner it holds",
		Breaks:      "the replicas of one owner pile up on one node, and fall with it"})
)

// Schedule, Feasible, Filter and Score hold each function's variants, by
// mutant name.
var (
	Filter   = map[string]FilterFunc{ignoresRequests.Name: filterIgnoringRequests}
	Feasible = map[string]FeasibleFunc{ignoresRequests.Name: feasibleBy(filterIgnoringRequests)}
	Score    = map[string]ScoreFunc{ignoresSpreading.Name: scoreWithoutSpreading}
	Schedule = map[string]ScheduleFunc{
		ignoresRequests.Name:  scheduleBy(feasibleBy(filterIgnoringRequests), impl.Score),
		ignoresSpreading.Name: scheduleBy(impl.Feasible, scoreWithoutSpreading),
	}
)

// filterIgnoringRequests judges the pod as if it requested nothing.
func filterIgnoringRequests(pod *snapshot.PodInfo, node *snapshot.NodeInfo) error {
	cp := *pod
	cp.Requests = snapshot.Resources{}
	return impl.Filter(&cp, node)
}

// scoreWithoutSpreading scores the pod as if it had no owner.
func scoreWithoutSpreading(pod *snapshot.PodInfo, nodes []*snapshot.NodeInfo) ([]snapshot.NodeScore, error) {
	cp := *pod
	cp.Owner = ""
	return impl.Score(&cp, nodes)
}

// feasibleBy is the reference's Feasible calling filter.
func feasibleBy(filter FilterFunc) FeasibleFunc {
	return func(pod *snapshot.PodInfo, nodes []*snapshot.NodeInfo) ([]*snapshot.NodeInfo, error) {
		var feasible []*snapshot.NodeInfo
		for _, n := range nodes {
			if filter(pod, n) == nil {
				feasible = append(feasible, n)
			}
		}
		if len(feasible) == 0 {
			// Every node refused: the reference says why, with its counts.
			return impl.Feasible(pod, nodes)
		}
		return feasible, nil
	}
}

// scheduleBy is the reference's Schedule calling feasible and score.
func scheduleBy(feasible FeasibleFunc, score ScoreFunc) ScheduleFunc {
	return func(pod *corev1.Pod, snap *snapshot.Snapshot) (string, error) {
		info := snapshot.NewPodInfo(pod)
		nodes, err := feasible(info, snap.Nodes)
		if err != nil {
			return "", err
		}
		scores, err := score(info, nodes)
		if err != nil {
			return "", err
		}
		return impl.Pick(scores)
	}
}
