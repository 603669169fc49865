package scheduler

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/kit/exercise"
	"github.com/ownkube/ownkube/components/kit/stubreport"
	"github.com/ownkube/ownkube/components/scheduler/snapshot"
)

// reasonSchedulerError is the PodScheduled reason when the scheduler
// failed, rather than found no node: kube's words too.
const reasonSchedulerError = "SchedulerError"

// bindInBackground writes the binding of a pod already assumed on node,
// without holding up the next decision, as kube-scheduler binds
// asynchronously. At most MaxInFlightBinds run at once.
func (s *Scheduler) bindInBackground(ctx context.Context, key string, pod *corev1.Pod, node string) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		s.cluster.forget(pod.UID)
		return
	}
	s.binds.Go(func() {
		defer func() { <-s.slots }()
		s.bind(ctx, key, pod, node)
	})
}

// bind writes pods/binding. A failed binding is forgotten, so the room it
// assumed is free again; the pod is tried again after its back-off unless
// the API says there is nothing left to do for it.
func (s *Scheduler) bind(ctx context.Context, key string, pod *corev1.Pod, node string) {
	binding := &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node},
	}
	err := s.client.CoreV1().Pods(pod.Namespace).Bind(ctx, binding, metav1.CreateOptions{})
	switch {
	case err == nil:
		s.log.Debug("bound pod", "pod", key, "node", node)
		return
	case apierrors.IsConflict(err), apierrors.IsNotFound(err):
		// Already bound by someone else, being deleted, or gone (or
		// recreated under another UID): the informer brings the truth, and
		// a new pod of that name comes through it too. Not an error loop.
		s.cluster.forget(pod.UID)
		s.log.Info("pod not bound: it changed meanwhile", "pod", key, "node", node, "err", err)
	default:
		s.cluster.forget(pod.UID)
		if ctx.Err() != nil {
			return
		}
		s.log.Error("bind pod", "pod", key, "node", node, "err", err)
		s.queue.AddRateLimited(key)
	}
}

// unschedulable reports a pod the algorithm placed nowhere — a FitError,
// or a failure of the algorithm itself — on the pod's PodScheduled
// condition and as a FailedScheduling event, and parks the pod until the
// cluster changes (a FitError) or retries it after its back-off.
func (s *Scheduler) unschedulable(ctx context.Context, key string, pod *corev1.Pod, err error, since uint64) error {
	fitErr, fits := errors.AsType[*snapshot.FitError](err)
	reason := reasonSchedulerError
	if fits {
		reason = corev1.PodReasonUnschedulable
		// Parked before the report, so that the informer's news of our own
		// status update finds it parked and leaves it there.
		s.parking.park(key, since)
		s.log.Info("pod fits no node", "pod", key, "message", fitErr.Error())
	}
	s.recorder.Event(pod, corev1.EventTypeWarning, "FailedScheduling", err.Error())
	if err := s.setPodScheduledFalse(ctx, pod, reason, err.Error(), s.stubs.Report(pod, err)); err != nil {
		return err
	}
	if !fits {
		return fmt.Errorf("schedule pod %s: %w", key, err)
	}
	return errParked
}

// setPodScheduledFalse sets the pod's condition PodScheduled=False with
// reason and message, unless it says so already; when the algorithm is a
// stub (ni), the pod also gets the condition that says so.
func (s *Scheduler) setPodScheduledFalse(ctx context.Context, pod *corev1.Pod, reason, message string, ni *exercise.NotImplementedError) error {
	cond := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: reason, Message: message}
	updated := pod.DeepCopy()
	stubChanged := false
	if ni != nil {
		updated.Status.Conditions, stubChanged = stubreport.SetPodCondition(updated.Status.Conditions, ni, metav1.Now())
	}
	i := indexOfCondition(updated.Status.Conditions, corev1.PodScheduled)
	switch {
	case i < 0:
		cond.LastTransitionTime = metav1.Now()
		updated.Status.Conditions = append(updated.Status.Conditions, cond)
	case sameCondition(updated.Status.Conditions[i], cond):
		if !stubChanged {
			return nil
		}
	default:
		cond.LastTransitionTime = updated.Status.Conditions[i].LastTransitionTime
		if updated.Status.Conditions[i].Status != cond.Status {
			cond.LastTransitionTime = metav1.Now()
		}
		updated.Status.Conditions[i] = cond
	}
	_, err := s.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("report pod %s/%s unschedulable: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}

func indexOfCondition(conds []corev1.PodCondition, t corev1.PodConditionType) int {
	for i := range conds {
		if conds[i].Type == t {
			return i
		}
	}
	return -1
}

func sameCondition(a, b corev1.PodCondition) bool {
	return a.Status == b.Status && a.Reason == b.Reason && a.Message == b.Message
}
