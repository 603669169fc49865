package replicaset

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// calculateStatus is rs's status given the pods it owns, as kube's
// calculateStatus: how many there are, how many carry all the template's
// labels, are Ready, and have been Ready for minReadySeconds (available);
// a ReplicaFailure condition while creates or deletes fail. It also says
// how long until a Ready pod becomes available (0: none waits), so the
// sync can look again then.
func calculateStatus(rs *appsv1.ReplicaSet, pods []*corev1.Pod, manageErr error, now time.Time) (appsv1.ReplicaSetStatus, time.Duration) {
	status := *rs.Status.DeepCopy()
	status.ObservedGeneration = rs.Generation
	template := labels.Set(rs.Spec.Template.Labels).AsSelectorPreValidated()
	minReady := time.Duration(rs.Spec.MinReadySeconds) * time.Second
	var fully, ready, available int32
	var recheck time.Duration
	for _, p := range pods {
		if template.Matches(labels.Set(p.Labels)) {
			fully++
		}
		c := readyCondition(p)
		if c == nil {
			continue
		}
		ready++
		if minReady == 0 {
			available++
			continue
		}
		if c.LastTransitionTime.IsZero() {
			continue // Ready since no one knows when: never available, as kube's IsPodAvailable
		}
		if wait := c.LastTransitionTime.Add(minReady).Sub(now); wait < 0 {
			available++
		} else if recheck == 0 || wait < recheck {
			recheck = wait + 100*time.Millisecond
		}
	}
	status.Replicas, status.FullyLabeledReplicas = int32(len(pods)), fully
	status.ReadyReplicas, status.AvailableReplicas = ready, available
	status.Conditions = replicaFailure(status.Conditions, rs, len(pods), manageErr, now)
	return status, recheck
}

// replicaFailure sets or clears the ReplicaFailure condition.
func replicaFailure(conds []appsv1.ReplicaSetCondition, rs *appsv1.ReplicaSet, have int, manageErr error, now time.Time) []appsv1.ReplicaSetCondition {
	var out []appsv1.ReplicaSetCondition
	var existing *appsv1.ReplicaSetCondition
	for i := range conds {
		if conds[i].Type == appsv1.ReplicaSetReplicaFailure {
			existing = &conds[i]
			continue
		}
		out = append(out, conds[i])
	}
	if manageErr == nil {
		return out
	}
	if existing != nil {
		return append(out, *existing)
	}
	reason := "FailedCreate"
	if have > int(*rs.Spec.Replicas) {
		reason = "FailedDelete"
	}
	return append(out, appsv1.ReplicaSetCondition{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
		LastTransitionTime: metav1.NewTime(now), Reason: reason, Message: manageErr.Error()})
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

// updateStatus writes status through /status when it changed, with the
// resourceVersion read: a 409 sends the key back to the loop.
func (c *Controller) updateStatus(ctx context.Context, rs *appsv1.ReplicaSet, status appsv1.ReplicaSetStatus) error {
	if equality.Semantic.DeepEqual(rs.Status, status) {
		return nil
	}
	next := rs.DeepCopy()
	next.Status = status
	if _, err := c.client.AppsV1().ReplicaSets(rs.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("replicaset %s/%s: update status: %w", rs.Namespace, rs.Name, err)
	}
	return nil
}
