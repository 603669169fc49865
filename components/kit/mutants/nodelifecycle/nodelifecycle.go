//go:build solutions && mutants

// Package nodelifecycle holds the mutants of the node lifecycle
// controller's learner region (solutions/nodelifecycle, stage 6).
package nodelifecycle

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/controllers/nodelifecycle/nodestate"
	"github.com/ownkube/ownkube/components/kit/mutant"
	impl "github.com/ownkube/ownkube/solutions/nodelifecycle"
)

// The signatures of the functions the variants replace.
type (
	UnreachableFunc = func([]nodestate.Heartbeat, time.Time, time.Duration) ([]string, time.Duration)
	EvictionsFunc   = func([]corev1.Taint, []nodestate.Pod, time.Time) ([]string, time.Duration)
)

var (
	neverUnreachable = mutant.Register(mutant.Mutant{Name: "nodelifecycle/never-unreachable", Package: "nodelifecycle", Stage: 6,
		Description: "Unreachable never finds a node silent",
		Breaks:      "a dead node stays Ready for ever, and its pods are never replaced"})
	evictsAtOnce = mutant.Register(mutant.Mutant{Name: "nodelifecycle/evicts-ignoring-toleration-seconds", Package: "nodelifecycle", Stage: 6,
		Description: "Evictions evicts every pod of a NoExecute-tainted node at once, tolerations or not",
		Breaks:      "pods that tolerate a lost node for a while are deleted at once"})
)

// Unreachable and Evictions hold each function's variants, by mutant name.
var (
	Unreachable = map[string]UnreachableFunc{
		neverUnreachable.Name: func(nodes []nodestate.Heartbeat, now time.Time, grace time.Duration) ([]string, time.Duration) {
			_, recheck := impl.Unreachable(nodes, now, grace)
			return nil, recheck
		},
	}
	Evictions = map[string]EvictionsFunc{evictsAtOnce.Name: evictingAtOnce}
)

// evictingAtOnce evicts every pod when any NoExecute taint is there.
func evictingAtOnce(taints []corev1.Taint, pods []nodestate.Pod, now time.Time) ([]string, time.Duration) {
	for _, t := range taints {
		if t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		evict := make([]string, 0, len(pods))
		for _, p := range pods {
			evict = append(evict, p.Key)
		}
		return evict, 0
	}
	return impl.Evictions(taints, pods, now)
}
