package statefulset

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// currentRevision is the revision the set's pods were at before its last
// template change: status.currentRevision, or update for a new set.
func currentRevision(set *appsv1.StatefulSet, update string) string {
	if set.Status.CurrentRevision != "" {
		return set.Status.CurrentRevision
	}
	return update
}

// calculateStatus counts set's pods as kube's computeReplicaStatus does,
// and completes a rolling update once every pod is updated and ready
// (the current revision becomes the update revision). wait is how long
// until a Ready pod becomes available, when one waits out minReadySeconds.
func calculateStatus(set *appsv1.StatefulSet, pods []*corev1.Pod, current, update string, now time.Time) (s appsv1.StatefulSetStatus, wait time.Duration) {
	s = appsv1.StatefulSetStatus{ObservedGeneration: set.Generation, CurrentRevision: current, UpdateRevision: update,
		CollisionCount: set.Status.CollisionCount, Conditions: set.Status.Conditions}
	for _, pod := range pods {
		s.Replicas++
		if runningAndReady(pod) {
			s.ReadyReplicas++
			if available(pod, set.Spec.MinReadySeconds, now) {
				s.AvailableReplicas++
			} else if wait == 0 {
				wait = time.Duration(set.Spec.MinReadySeconds) * time.Second
			}
		}
		if pod.DeletionTimestamp != nil {
			continue
		}
		if revisionOfPod(pod) == current {
			s.CurrentReplicas++
		}
		if revisionOfPod(pod) == update {
			s.UpdatedReplicas++
		}
	}
	if set.Spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType &&
		s.UpdatedReplicas == s.Replicas && s.ReadyReplicas == s.Replicas {
		s.CurrentReplicas, s.CurrentRevision = s.UpdatedReplicas, update
	}
	return s, wait
}

// writeStatus stores s as set's status, unless it already is.
func (c *Controller) writeStatus(ctx context.Context, set *appsv1.StatefulSet, s appsv1.StatefulSetStatus) error {
	if equality.Semantic.DeepEqual(s, set.Status) {
		return nil
	}
	next := set.DeepCopy()
	next.Status = s
	if _, err := c.cc.Client.AppsV1().StatefulSets(set.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update status of statefulset %s/%s: %w", set.Namespace, set.Name, err)
	}
	return nil
}
