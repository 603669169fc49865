package disruption

import (
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ownkube/ownkube/components/disruption"
)

// DeletionTimeout is how long a pod the eviction subresource recorded in
// status.disruptedPods counts as gone without being deleted; after it, the
// eviction is taken to have failed and the pod counts again, as kube's.
const DeletionTimeout = 2 * time.Minute

// ErrNoScale is what Desired wraps when it needs the scale of the pods'
// controllers and some controller has none the controller knows.
var ErrNoScale = errors.New("disruption: found no controllers for pod")

// ScaleFunc returns the sum of the scales (spec.replicas) of the
// controllers of pods, each controller counted once.
type ScaleFunc func(pods []*corev1.Pod) (int32, error)

// Desired is kube's getExpectedPodCount: how many pods the budget expects
// (expectedPods) and how many of them must stay healthy (desiredHealthy).
// minAvailable as a number needs only the pods it selects; maxUnavailable
// and percentages are of the pods' controllers' scale, which is asked of
// scale only then.
func Desired(spec policyv1.PodDisruptionBudgetSpec, pods []*corev1.Pod, scale ScaleFunc) (expected, desired int32, err error) {
	switch {
	case spec.MaxUnavailable != nil:
		if expected, err = scale(pods); err != nil {
			return 0, 0, err
		}
		maxUnavailable, err := intstr.GetScaledValueFromIntOrPercent(spec.MaxUnavailable, int(expected), true)
		if err != nil {
			return 0, 0, fmt.Errorf("maxUnavailable: %w", err)
		}
		return expected, max(expected-int32(maxUnavailable), 0), nil
	case spec.MinAvailable != nil && spec.MinAvailable.Type == intstr.Int:
		return int32(len(pods)), spec.MinAvailable.IntVal, nil
	case spec.MinAvailable != nil:
		if expected, err = scale(pods); err != nil {
			return 0, 0, err
		}
		minAvailable, err := intstr.GetScaledValueFromIntOrPercent(spec.MinAvailable, int(expected), true)
		if err != nil {
			return 0, 0, fmt.Errorf("minAvailable: %w", err)
		}
		return expected, int32(minAvailable), nil
	}
	return 0, 0, nil
}

// Status is the budget's status at now, from the pods it selects and what
// Desired found: kube's buildDisruptedPodMap, countHealthyPods and
// updatePdbStatus. A pod being deleted, or recorded as disrupted less than
// DeletionTimeout ago, is not healthy. recheck is when the first recorded
// disruption times out (zero if none does): the status changes then
// though no object does.
func Status(pdb *policyv1.PodDisruptionBudget, pods []*corev1.Pod, expected, desired int32, now time.Time) (st policyv1.PodDisruptionBudgetStatus, recheck time.Time) {
	disrupted, recheck := stillDisrupted(pdb.Status.DisruptedPods, pods, now)
	var healthy int32
	for _, pod := range pods {
		if _, ok := disrupted[pod.Name]; !ok && disruption.PodHealthy(pod) {
			healthy++
		}
	}
	allowed := healthy - desired
	// A budget that expects no pods allows nothing: its first pods may
	// appear before the controller has counted them.
	if expected <= 0 || allowed < 0 {
		allowed = 0
	}
	st = policyv1.PodDisruptionBudgetStatus{
		ObservedGeneration: pdb.Generation, DisruptedPods: disrupted, DisruptionsAllowed: allowed,
		CurrentHealthy: healthy, DesiredHealthy: desired, ExpectedPods: expected,
		Conditions: append([]metav1.Condition(nil), pdb.Status.Conditions...),
	}
	return st, recheck
}

// stillDisrupted keeps the recorded disruptions of pods not yet being
// deleted whose timeout has not passed.
func stillDisrupted(recorded map[string]metav1.Time, pods []*corev1.Pod, now time.Time) (map[string]metav1.Time, time.Time) {
	kept := map[string]metav1.Time{}
	var recheck time.Time
	for _, pod := range pods {
		at, ok := recorded[pod.Name]
		if !ok || pod.DeletionTimestamp != nil {
			continue
		}
		deadline := at.Add(DeletionTimeout)
		if !deadline.After(now) {
			continue // the eviction did not delete it: it counts again
		}
		kept[pod.Name] = at
		if recheck.IsZero() || deadline.Before(recheck) {
			recheck = deadline
		}
	}
	return kept, recheck
}
