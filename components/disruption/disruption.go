// Package disruption holds what the API server's eviction subresource and
// the controller-manager's disruption controller share about a
// PodDisruptionBudget: when a pod counts as healthy, and the
// DisruptionAllowed condition that says whether one more may go. It is a
// leaf of plain functions, as kube's pkg/api/v1/pod and
// pkg/apis/policy/helper are.
package disruption

import (
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PodHealthy reports whether pod counts toward a budget's currentHealthy:
// it is Ready (kube's podutil.IsPodReady, the one notion of health a
// budget has) and not on its way out.
func PodHealthy(pod *corev1.Pod) bool {
	return pod.DeletionTimestamp == nil && PodReady(pod)
}

// PodReady reports whether pod's Ready condition is True.
func PodReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// SetAllowedCondition sets pdb's DisruptionAllowed condition from its
// status.disruptionsAllowed, as kube's UpdateDisruptionAllowedCondition
// does: True with SufficientPods while one more may go, else False with
// InsufficientPods.
func SetAllowedCondition(pdb *policyv1.PodDisruptionBudget) {
	c := metav1.Condition{Type: policyv1.DisruptionAllowedCondition, ObservedGeneration: pdb.Status.ObservedGeneration,
		Status: metav1.ConditionFalse, Reason: policyv1.InsufficientPodsReason}
	if pdb.Status.DisruptionsAllowed > 0 {
		c.Status, c.Reason = metav1.ConditionTrue, policyv1.SufficientPodsReason
	}
	if pdb.Status.Conditions == nil {
		pdb.Status.Conditions = []metav1.Condition{}
	}
	apimeta.SetStatusCondition(&pdb.Status.Conditions, c)
}
