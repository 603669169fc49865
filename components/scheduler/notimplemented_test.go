package scheduler_test

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/kit/exercise"
	"github.com/ownkube/ownkube/components/scheduler/algorithm"
	"github.com/ownkube/ownkube/components/scheduler/snapshot"
)

// stubSchedule swaps the learner's Schedule for fn until the test ends;
// call it before runScheduler, so that the scheduler stops first.
func stubSchedule(t *testing.T, fn func(*corev1.Pod, *snapshot.Snapshot) (string, error)) {
	t.Helper()
	was := algorithm.Schedule
	algorithm.Schedule = fn
	t.Cleanup(func() { algorithm.Schedule = was })
}

// expectStubReported waits for pod name to carry the condition and the
// Warning event that say the algorithm is the stub named by want.
func (c *cluster) expectStubReported(t *testing.T, name, want string) {
	t.Helper()
	c.waitFor(t, "pod "+name+" to carry the condition "+exercise.ConditionType, func() (bool, error) {
		p, err := c.client.CoreV1().Pods("default").Get(c.ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == exercise.ConditionType && cond.Status == corev1.ConditionTrue && cond.Reason == exercise.Reason && cond.Message == want {
				return true, nil
			}
		}
		return false, fmt.Errorf("conditions %+v", p.Status.Conditions)
	})
	c.waitFor(t, "a Warning event NotImplemented on pod "+name, func() (bool, error) {
		events, err := c.client.CoreV1().Events("default").List(c.ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range events.Items {
			if e.InvolvedObject.Name == name && e.Type == corev1.EventTypeWarning && e.Reason == exercise.Reason && e.Message == want {
				return true, nil
			}
		}
		return false, fmt.Errorf("%d events, none NotImplemented for %s", len(events.Items), name)
	})
}

func TestAStubScheduleIsReportedOnThePodAndItStaysUnbound(t *testing.T) {
	stubSchedule(t, func(*corev1.Pod, *snapshot.Snapshot) (string, error) {
		return "", exercise.NotImplemented(5, "scheduler.Schedule")
	})
	c := start(t)
	c.addNode(t, "node-a", "2", "4Gi", 110, nil)
	c.runScheduler(t)
	c.addPod(t, "web", "100m", "64Mi")
	c.expectStubReported(t, "web", "not implemented: stage 5 scheduler.Schedule")
	p, err := c.client.CoreV1().Pods("default").Get(c.ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Spec.NodeName != "" {
		t.Errorf("pod web bound to %s by a stub", p.Spec.NodeName)
	}
}

func TestAPanickingStubOfTheAlgorithmIsReportedNotACrash(t *testing.T) {
	stubSchedule(t, func(*corev1.Pod, *snapshot.Snapshot) (string, error) {
		panic(exercise.NotImplemented(5, "scheduler.checkReady"))
	})
	c := start(t)
	c.addNode(t, "node-a", "2", "4Gi", 110, nil)
	c.runScheduler(t)
	c.addPod(t, "web", "100m", "64Mi")
	c.expectStubReported(t, "web", "not implemented: stage 5 scheduler.checkReady")
}
