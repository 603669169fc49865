package scheduler_test

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ownkube/ownkube/components/scheduler"
)

func TestNewRefusesAConfigWithoutClient(t *testing.T) {
	if _, err := scheduler.New(scheduler.Config{}); err == nil {
		t.Fatal("New without a Client succeeded")
	}
}

func TestSchedulerBindsPodsToReadyNodes(t *testing.T) {
	c := start(t)
	c.addNode(t, "node-a", "4", "8Gi", 110, nil)
	c.addNode(t, "node-b", "4", "8Gi", 110, nil)
	c.runScheduler(t)
	for i := range 3 {
		c.addPod(t, fmt.Sprintf("p%d", i), "100m", "64Mi")
	}
	for i := range 3 {
		name := fmt.Sprintf("p%d", i)
		if node := c.nodeOf(t, name); node != "node-a" && node != "node-b" {
			t.Fatalf("pod %s bound to %q, not a node of the cluster", name, node)
		}
		p, err := c.client.CoreV1().Pods("default").Get(c.ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if i := indexOf(p.Status.Conditions, corev1.PodScheduled); i < 0 || p.Status.Conditions[i].Status != corev1.ConditionTrue {
			t.Fatalf("pod %s conditions %+v, want PodScheduled=True", name, p.Status.Conditions)
		}
	}
}

// The nodes differ so that least-allocated scoring alone would put both
// replicas on the big one: only spreading by owner separates them.
func TestSchedulerSpreadsPodsOfOneOwner(t *testing.T) {
	c := start(t)
	c.addNode(t, "node-a", "16", "32Gi", 110, nil)
	c.addNode(t, "node-b", "2", "4Gi", 110, nil)
	c.runScheduler(t)
	owner := types.UID("3f7c2a8e-0000-4000-8000-000000000001")
	c.addPod(t, "web-1", "100m", "64Mi", ownedBy(owner))
	c.addPod(t, "web-2", "100m", "64Mi", ownedBy(owner))
	if a, b := c.nodeOf(t, "web-1"), c.nodeOf(t, "web-2"); a == b {
		t.Fatalf("both replicas of one owner were bound to %s", a)
	}
}

func TestSchedulerHonoursANodeSelector(t *testing.T) {
	c := start(t)
	c.addNode(t, "node-a", "4", "8Gi", 110, nil)
	c.addNode(t, "node-b", "4", "8Gi", 110, map[string]string{"disk": "ssd"})
	c.addNode(t, "node-c", "4", "8Gi", 110, nil)
	c.runScheduler(t)
	c.addPod(t, "db", "100m", "64Mi", func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"disk": "ssd"} })
	if node := c.nodeOf(t, "db"); node != "node-b" {
		t.Fatalf("pod with nodeSelector disk=ssd bound to %s, want node-b", node)
	}
}

func TestSchedulerReportsAPodThatFitsNowhereAndPlacesItOnceRoomIsFreed(t *testing.T) {
	c := start(t)
	c.addNode(t, "node-a", "2", "4Gi", 110, nil)
	c.runScheduler(t)
	c.addPod(t, "big", "1500m", "1Gi")
	c.nodeOf(t, "big")
	c.addPod(t, "late", "1", "1Gi")
	const want = "0/1 nodes are available: 1 Insufficient cpu."
	if msg := c.unschedulable(t, "late"); msg != want {
		t.Fatalf("PodScheduled message %q, want %q", msg, want)
	}
	c.waitFor(t, "a FailedScheduling event for pod late", func() (bool, error) {
		events, err := c.client.CoreV1().Events("default").List(c.ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range events.Items {
			if e.InvolvedObject.Name == "late" && e.Type == corev1.EventTypeWarning && e.Reason == "FailedScheduling" && e.Message == want {
				return true, nil
			}
		}
		return false, fmt.Errorf("%d events, none FailedScheduling for late", len(events.Items))
	})
	if err := c.client.CoreV1().Pods("default").Delete(c.ctx, "big", metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}); err != nil {
		t.Fatalf("delete pod big: %v", err)
	}
	if node := c.nodeOf(t, "late"); node != "node-a" {
		t.Fatalf("pod late bound to %s, want node-a", node)
	}
}

func TestSchedulerPlacesAParkedPodOnANewNode(t *testing.T) {
	c := start(t)
	c.addNode(t, "small", "1", "1Gi", 110, nil)
	c.runScheduler(t)
	c.addPod(t, "huge", "8", "16Gi")
	const want = "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory."
	if msg := c.unschedulable(t, "huge"); msg != want {
		t.Fatalf("PodScheduled message %q, want %q", msg, want)
	}
	c.addNode(t, "large", "16", "64Gi", 110, nil)
	if node := c.nodeOf(t, "huge"); node != "large" {
		t.Fatalf("pod huge bound to %s, want large", node)
	}
}

func TestTwoQuickPodsNeverOvercommitANode(t *testing.T) {
	c := start(t)
	c.addNode(t, "node-a", "2", "4Gi", 110, nil)
	c.runScheduler(t)
	c.addPod(t, "first", "1500m", "1Gi")
	c.addPod(t, "second", "1500m", "1Gi")
	c.waitFor(t, "one pod bound and the other reported Unschedulable", func() (bool, error) {
		pods, err := c.client.CoreV1().Pods("default").List(c.ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		bound, refused := 0, 0
		for _, p := range pods.Items {
			if p.Spec.NodeName != "" {
				bound++
			} else if i := indexOf(p.Status.Conditions, corev1.PodScheduled); i >= 0 && p.Status.Conditions[i].Reason == corev1.PodReasonUnschedulable {
				refused++
			}
		}
		if bound > 1 {
			t.Fatalf("%d pods of 1500m bound to a node of 2 cpus", bound)
		}
		if bound == 1 && refused == 1 {
			return true, nil
		}
		return false, fmt.Errorf("%d bound, %d unschedulable", bound, refused)
	})
}

func TestSchedulerLeavesOthersPodsAlone(t *testing.T) {
	c := start(t)
	c.addNode(t, "node-a", "2", "4Gi", 110, nil)
	c.addNode(t, "node-b", "2", "4Gi", 110, nil)
	c.runScheduler(t)
	// Bound by someone else: left where it is, and its room counted.
	c.addPod(t, "placed", "1500m", "1Gi", func(p *corev1.Pod) { p.Spec.NodeName = "node-b" })
	// Another scheduler's: never bound by this one.
	c.addPod(t, "theirs", "100m", "64Mi", func(p *corev1.Pod) { p.Spec.SchedulerName = "other-scheduler" })
	c.addPod(t, "mine", "1500m", "1Gi")
	if node := c.nodeOf(t, "mine"); node != "node-a" {
		t.Fatalf("pod mine bound to %s, want node-a: node-b's room is taken by pod placed", node)
	}
	if node := c.nodeOf(t, "placed"); node != "node-b" {
		t.Fatalf("pod placed moved to %s", node)
	}
	// Pod theirs was seen before pod mine, so a scheduler that wrongly
	// wanted it would have decided for it first.
	p, err := c.client.CoreV1().Pods("default").Get(c.ctx, "theirs", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Spec.NodeName != "" || len(p.Status.Conditions) > 0 {
		t.Fatalf("another scheduler's pod was touched: node %q, conditions %+v", p.Spec.NodeName, p.Status.Conditions)
	}
}

func indexOf(conds []corev1.PodCondition, t corev1.PodConditionType) int {
	for i := range conds {
		if conds[i].Type == t {
			return i
		}
	}
	return -1
}
