package daemonset

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// writeStatus counts, as kube does, the nodes that should run ds and those
// that do; it returns how long until a Ready pod becomes available, when
// one is waiting out minReadySeconds.
func (c *Controller) writeStatus(ctx context.Context, ds *appsv1.DaemonSet, states []*nodeState, hash string, now time.Time) (time.Duration, error) {
	var s appsv1.DaemonSetStatus
	var wait time.Duration
	for _, st := range states {
		has := len(st.pods) > 0
		if !st.run {
			if has {
				s.NumberMisscheduled++
			}
			continue
		}
		s.DesiredNumberScheduled++
		if !has {
			continue
		}
		s.CurrentNumberScheduled++
		pod := st.pods[0]
		if podReady(pod) {
			s.NumberReady++
			if available(pod, ds.Spec.MinReadySeconds, now) {
				s.NumberAvailable++
			} else if wait == 0 {
				wait = time.Duration(ds.Spec.MinReadySeconds) * time.Second
			}
		}
		if pod.Labels[appsv1.ControllerRevisionHashLabelKey] == hash {
			s.UpdatedNumberScheduled++
		}
	}
	s.NumberUnavailable = s.DesiredNumberScheduled - s.NumberAvailable
	s.ObservedGeneration = ds.Generation
	s.CollisionCount, s.Conditions = ds.Status.CollisionCount, ds.Status.Conditions
	if equality.Semantic.DeepEqual(s, ds.Status) {
		return wait, nil
	}
	next := ds.DeepCopy()
	next.Status = s
	if _, err := c.cc.Client.AppsV1().DaemonSets(ds.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{}); err != nil {
		return 0, fmt.Errorf("update status of daemonset %s/%s: %w", ds.Namespace, ds.Name, err)
	}
	return wait, nil
}
