//go:build solutions && mutants

// Package replicaset holds the mutants of the ReplicaSet's learner region
// (solutions/replicaset, stage 6): Manage, and through it IsActive.
package replicaset

import (
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/kit/mutant"
	impl "github.com/ownkube/ownkube/solutions/replicaset"
)

// ManageFunc is the signature of Manage.
type ManageFunc = func(int32, []*corev1.Pod, int) (int, []*corev1.Pod, error)

var (
	keepsSurplus = mutant.Register(mutant.Mutant{Name: "replicaset/never-deletes-surplus", Package: "replicaset", Stage: 6,
		Description: "Manage never chooses pods to delete",
		Breaks:      "scaling a ReplicaSet down leaves every pod running"})
	readyFirst = mutant.Register(mutant.Mutant{Name: "replicaset/deletes-running-pods-first", Package: "replicaset", Stage: 6,
		Description: "Manage picks the surplus pods from the end of Less's order: running, ready, old ones first",
		Breaks:      "scaling down kills the pods that serve and keeps those still starting"})
)

// Manage holds the variants of Manage, by mutant name.
var Manage = map[string]ManageFunc{
	keepsSurplus.Name: func(replicas int32, pods []*corev1.Pod, burst int) (int, []*corev1.Pod, error) {
		create, _, err := impl.Manage(replicas, pods, burst)
		return create, nil, err
	},
	readyFirst.Name: manageDeletingRunningFirst,
}

// manageDeletingRunningFirst removes as many pods as the reference
// would, taken from the other end of its order.
func manageDeletingRunningFirst(replicas int32, pods []*corev1.Pod, burst int) (int, []*corev1.Pod, error) {
	create, remove, err := impl.Manage(replicas, pods, burst)
	if err != nil || len(remove) == 0 {
		return create, remove, err
	}
	var active []*corev1.Pod
	for _, p := range pods {
		if impl.IsActive(p) {
			active = append(active, p)
		}
	}
	slices.SortStableFunc(active, func(a, b *corev1.Pod) int {
		switch {
		case impl.Less(b, a):
			return -1
		case impl.Less(a, b):
			return 1
		}
		return 0
	})
	return create, active[:len(remove)], nil
}
