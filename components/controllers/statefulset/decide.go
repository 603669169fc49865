package statefulset

import (
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// plan is what one sync does: the ordinals to create (in this order) and
// the pods to delete.
type plan struct {
	create []int
	remove []*corev1.Pod
}

// members are set's pods by ordinal: replicas[i] is ordinal start+i (nil
// where it is missing), condemned those outside [start, start+replicas),
// highest ordinal first.
type members struct {
	start     int
	replicas  []*corev1.Pod
	condemned []*corev1.Pod
}

// sortMembers places pods, all of set's with valid ordinals, by ordinal.
func sortMembers(set *appsv1.StatefulSet, pods []*corev1.Pod) members {
	m := members{start: startOrdinal(set), replicas: make([]*corev1.Pod, int(*set.Spec.Replicas))}
	for _, pod := range pods {
		switch i := ordinalOf(set, pod) - m.start; {
		case i >= 0 && i < len(m.replicas):
			m.replicas[i] = pod
		case i+m.start >= 0:
			m.condemned = append(m.condemned, pod)
		}
	}
	slices.SortFunc(m.condemned, func(a, b *corev1.Pod) int { return ordinalOf(set, b) - ordinalOf(set, a) })
	return m
}

// decide is kube's updateStatefulSet as a function of what the cache
// shows: pods of set (claimed, with valid ordinals), the revision of its
// template, the time. Under OrderedReady ("monotonic") it stops at the
// first thing to do or wait for — at most one pod created or deleted per
// sync, ordinal i made only once every lower ordinal is Running and
// Ready, the highest ordinal removed first and waited for until gone.
// Under Parallel it does everything at once. A rolling update follows in
// both: the highest pod not of update, down to the partition, one at a
// time, once every pod above it is available again.
func decide(set *appsv1.StatefulSet, pods []*corev1.Pod, update string, now time.Time) plan {
	monotonic := set.Spec.PodManagementPolicy != appsv1.ParallelPodManagement
	m := sortMembers(set, pods)
	var p plan
	if blocked := p.replicas(set, m, monotonic, now); blocked {
		return p
	}
	if blocked := p.scaleDown(set, m, monotonic, now); blocked {
		return p
	}
	if set.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType {
		p.rollingUpdate(set, m, update, now)
	}
	return p
}

// replicas brings back missing replicas, lowest first, and deletes ended
// ones (they come back, with the same name, once gone). It reports
// whether a monotonic set must stop there.
func (p *plan) replicas(set *appsv1.StatefulSet, m members, monotonic bool, now time.Time) (blocked bool) {
	for i, pod := range m.replicas {
		switch {
		case pod == nil:
			p.create = append(p.create, m.start+i)
		case ended(pod):
			if pod.DeletionTimestamp == nil {
				p.remove = append(p.remove, pod)
			}
		case monotonic && !available(pod, set.Spec.MinReadySeconds, now):
			return true // terminating, or not yet Running and Ready
		default:
			continue
		}
		if monotonic {
			return true
		}
	}
	return false
}

// scaleDown deletes the condemned pods, highest ordinal first. A
// monotonic set deletes one and waits until it is gone, and deletes none
// while an unhealthy pod other than the first unhealthy one is left.
func (p *plan) scaleDown(set *appsv1.StatefulSet, m members, monotonic bool, now time.Time) (blocked bool) {
	first := firstUnavailable(m, set.Spec.MinReadySeconds, now)
	for _, pod := range m.condemned {
		switch {
		case pod.DeletionTimestamp != nil:
			if monotonic {
				return true
			}
			continue
		case monotonic && !available(pod, set.Spec.MinReadySeconds, now) && pod != first:
			return true
		}
		p.remove = append(p.remove, pod)
		if monotonic {
			return true
		}
	}
	return false
}

// rollingUpdate deletes the highest replica at or above the partition
// that is not of update, unless a pod above it is not yet available
// again; the replica comes back at update.
func (p *plan) rollingUpdate(set *appsv1.StatefulSet, m members, update string, now time.Time) {
	partition := 0
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		partition = int(*ru.Partition)
	}
	for i := len(m.replicas) - 1; i >= partition; i-- {
		pod := m.replicas[i]
		if pod == nil || slices.Contains(p.remove, pod) {
			return // being made or remade at update this very sync
		}
		if revisionOfPod(pod) != update && pod.DeletionTimestamp == nil {
			p.remove = append(p.remove, pod)
			return
		}
		if !available(pod, set.Spec.MinReadySeconds, now) {
			return
		}
	}
}

// firstUnavailable is the lowest replica that is not available, else the
// lowest condemned one: the one pod a monotonic scale-down may delete
// while unhealthy.
func firstUnavailable(m members, minReadySeconds int32, now time.Time) *corev1.Pod {
	for _, pod := range m.replicas {
		if pod != nil && !available(pod, minReadySeconds, now) {
			return pod
		}
	}
	for i := len(m.condemned) - 1; i >= 0; i-- {
		if !available(m.condemned[i], minReadySeconds, now) {
			return m.condemned[i]
		}
	}
	return nil
}

// ended reports whether pod has failed or succeeded: its containers will
// not run again, so it is deleted and made anew.
func ended(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded
}

// readySince is when pod's Ready condition turned True, if it is True.
func readySince(pod *corev1.Pod) (time.Time, bool) {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.LastTransitionTime.Time, c.Status == corev1.ConditionTrue
		}
	}
	return time.Time{}, false
}

// runningAndReady is kube's isRunningAndReady.
func runningAndReady(pod *corev1.Pod) bool {
	_, ready := readySince(pod)
	return pod.Status.Phase == corev1.PodRunning && ready
}

// available reports whether pod is healthy — Running, Ready, not being
// deleted — and has been Ready for minReadySeconds at now.
func available(pod *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	since, _ := readySince(pod)
	return runningAndReady(pod) && pod.DeletionTimestamp == nil &&
		!since.Add(time.Duration(minReadySeconds)*time.Second).After(now)
}
