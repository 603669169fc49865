package replicaset

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

//ownkube:begin stage=6

// Manage decides what brings a ReplicaSet that wants replicas pods toward
// that count, given the pods it owns (in any order):
//
//   - only active pods count: a pod that has finished (phase Succeeded or
//     Failed) or is being deleted (deletionTimestamp set) is neither
//     counted nor chosen for deletion;
//   - with fewer active pods than replicas, create is how many are missing;
//     with more, remove holds the surplus pods, in the order they should go
//     (the first of Less's order first); with exactly replicas, neither;
//   - neither create nor len(remove) is ever more than burst (one sync's
//     worth); the next sync does the rest;
//   - it never returns both a create and a remove, never a negative create,
//     and never changes or reorders the pods it is given;
//   - a negative replicas or a burst under 1 is refused with an error.
func Manage(replicas int32, pods []*corev1.Pod, burst int) (create int, remove []*corev1.Pod, err error) {
	if replicas < 0 {
		return 0, nil, fmt.Errorf("replicaset: replicas must not be negative, got %d", replicas)
	}
	if burst < 1 {
		return 0, nil, fmt.Errorf("replicaset: burst must be at least 1, got %d", burst)
	}
	var active []*corev1.Pod
	for _, p := range pods {
		if IsActive(p) {
			active = append(active, p)
		}
	}
	diff := len(active) - int(replicas)
	switch {
	case diff < 0:
		return min(-diff, burst), nil, nil
	case diff > 0:
		slices.SortStableFunc(active, func(a, b *corev1.Pod) int {
			switch {
			case Less(a, b):
				return -1
			case Less(b, a):
				return 1
			}
			return 0
		})
		return 0, active[:min(diff, burst)], nil
	}
	return 0, nil, nil
}

// IsActive reports whether a pod counts toward its ReplicaSet: it has not
// finished (phase Succeeded or Failed) and is not being deleted.
func IsActive(p *corev1.Pod) bool {
	return p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed && p.DeletionTimestamp == nil
}

// Less reports whether pod a should be deleted before pod b when a
// ReplicaSet has too many, in kube's ActivePods order — the pod that costs
// least to lose goes first:
//
//  1. a pod not yet scheduled (no spec.nodeName) before a scheduled one;
//  2. by phase: Pending before Unknown before Running;
//  3. a pod that is not Ready before one that is;
//  4. of two Ready pods, the one Ready for less time (the later
//     lastTransitionTime of its Ready condition) first;
//  5. the pod whose containers restarted more (the highest restartCount
//     of its containers) first;
//  6. the newer pod (the later creationTimestamp) first;
//  7. then by name, so that the order is total.
func Less(a, b *corev1.Pod) bool {
	if sa, sb := a.Spec.NodeName != "", b.Spec.NodeName != ""; sa != sb {
		return !sa
	}
	if ra, rb := phaseRank(a.Status.Phase), phaseRank(b.Status.Phase); ra != rb {
		return ra < rb
	}
	readyA, readyB := readyCondition(a), readyCondition(b)
	if ia, ib := readyA != nil, readyB != nil; ia != ib {
		return !ia
	}
	if readyA != nil && !readyA.LastTransitionTime.Equal(&readyB.LastTransitionTime) {
		return readyB.LastTransitionTime.Before(&readyA.LastTransitionTime)
	}
	if ca, cb := maxRestarts(a), maxRestarts(b); ca != cb {
		return ca > cb
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return b.CreationTimestamp.Before(&a.CreationTimestamp)
	}
	return a.Name < b.Name
}

// phaseRank orders the phases of active pods, the cheapest to lose first.
func phaseRank(phase corev1.PodPhase) int {
	switch phase {
	case corev1.PodUnknown:
		return 1
	case corev1.PodRunning:
		return 2
	}
	return 0 // Pending, or no phase reported yet
}

// readyCondition is the pod's Ready condition when it is True, else nil.
func readyCondition(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if c := &p.Status.Conditions[i]; c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return c
		}
	}
	return nil
}

// maxRestarts is the highest restartCount among the pod's containers.
func maxRestarts(p *corev1.Pod) int32 {
	var n int32
	for _, s := range p.Status.ContainerStatuses {
		n = max(n, s.RestartCount)
	}
	return n
}

//ownkube:end
