package nodelifecycle

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/controllers/nodelifecycle/nodestate"
)

//ownkube:begin stage=6

// Unreachable returns the names of the nodes that have been silent for
// longer than grace at now, in the order given, and how long from now the
// first of the others goes silent for that long if it renews nothing more
// (0 when every node is already unreachable, or there are none).
//
// A node's last sign of life is its Lease's renewal (Renewed), or, while it
// has never renewed one, its registration (Registered). It is unreachable
// once now is after that moment plus grace: a node silent for exactly grace
// is still reachable. A renewal stamped in the future (clocks that
// disagree) counts as a renewal now.
func Unreachable(nodes []nodestate.Heartbeat, now time.Time, grace time.Duration) (unreachable []string, recheck time.Duration) {
	for _, n := range nodes {
		last := n.Renewed
		if last.IsZero() {
			last = n.Registered
		}
		if last.After(now) {
			last = now
		}
		deadline := last.Add(grace)
		if now.After(deadline) {
			unreachable = append(unreachable, n.Node)
			continue
		}
		if left := deadline.Sub(now); recheck == 0 || left < recheck {
			recheck = max(left, time.Nanosecond)
		}
	}
	return unreachable, recheck
}

// EvictionRate returns the state of the cluster's one zone, given how many
// of its nodes are Ready and how many are not, and how many nodes per
// second may be tainted NoExecute (their pods then evicted) in that state:
//
//   - FullDisruption when no node is Ready and at least one is not: rate 0,
//     nothing is evicted.
//   - PartialDisruption when more than two nodes are not Ready and they are
//     at least rates.UnhealthyThreshold of all: rates.Secondary if the
//     cluster has more than rates.LargeClusterSize nodes, else 0.
//   - Normal otherwise (no nodes at all included): rates.Primary.
func EvictionRate(ready, notReady int, rates nodestate.Rates) (nodestate.Zone, float64) {
	switch {
	case ready == 0 && notReady > 0:
		return nodestate.ZoneFullDisruption, 0
	case notReady > 2 && float64(notReady)/float64(ready+notReady) >= rates.UnhealthyThreshold:
		if ready+notReady > rates.LargeClusterSize {
			return nodestate.ZonePartialDisruption, rates.Secondary
		}
		return nodestate.ZonePartialDisruption, 0
	default:
		return nodestate.ZoneNormal, rates.Primary
	}
}

// Evictions decides, at now, which pods of a node must be evicted because
// of its taints, and how long from now the next pod's tolerations run out
// (0 when no pod is waiting for that).
//
// Only taints of effect NoExecute count. A pod must go now when one of
// those taints is tolerated by none of its tolerations. Otherwise, for
// each taint, the first of the pod's tolerations that tolerates it decides:
// without tolerationSeconds the pod may stay for ever; with it, the pod may
// stay until the taint's timeAdded (now when unset) plus that many seconds,
// and must go once now has reached that time (at once for 0 or fewer
// seconds). The earliest of these times is the pod's. Pods to evict are
// returned by Key, in the order given.
//
// A toleration tolerates a taint when its effect is empty or the taint's
// and either its operator is Exists and its key empty (any taint) or the
// taint's, or its operator is Equal (or empty) with the taint's key and
// value.
func Evictions(taints []corev1.Taint, pods []nodestate.Pod, now time.Time) (evict []string, recheck time.Duration) {
	for _, pod := range pods {
		at, forever := evictionTime(taints, pod.Tolerations, now)
		switch {
		case forever:
		case !now.Before(at):
			evict = append(evict, pod.Key)
		case recheck == 0 || at.Sub(now) < recheck:
			recheck = at.Sub(now)
		}
	}
	return evict, recheck
}

// evictionTime is when a pod with tolerations must leave a node with
// taints, or forever if never.
func evictionTime(taints []corev1.Taint, tolerations []corev1.Toleration, now time.Time) (at time.Time, forever bool) {
	forever = true
	for i := range taints {
		taint := &taints[i]
		if taint.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		t := firstTolerating(tolerations, taint)
		if t == nil {
			return now, false
		}
		if t.TolerationSeconds == nil {
			continue
		}
		added := now
		if taint.TimeAdded != nil {
			added = taint.TimeAdded.Time
		}
		until := added.Add(time.Duration(*t.TolerationSeconds) * time.Second)
		if *t.TolerationSeconds <= 0 {
			until = now
		}
		if forever || until.Before(at) {
			at, forever = until, false
		}
	}
	return at, forever
}

// firstTolerating returns the first of tolerations that tolerates taint, or nil.
func firstTolerating(tolerations []corev1.Toleration, taint *corev1.Taint) *corev1.Toleration {
	for i := range tolerations {
		t := &tolerations[i]
		if t.Effect != "" && t.Effect != taint.Effect {
			continue
		}
		exists := t.Operator == corev1.TolerationOpExists && (t.Key == "" || t.Key == taint.Key)
		equal := t.Operator != corev1.TolerationOpExists && t.Key == taint.Key && t.Value == taint.Value
		if exists || equal {
			return t
		}
	}
	return nil
}

//ownkube:end
