package disruption

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/controllers/controller"
)

var now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func readyPod(name string, ready bool) *corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"app": "web"}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}}}
}

func pods(n int) []*corev1.Pod {
	out := make([]*corev1.Pod, n)
	for i := range out {
		out[i] = readyPod(fmt.Sprintf("web-%d", i), true)
	}
	return out
}

func scaleOf(n int32) ScaleFunc { return func([]*corev1.Pod) (int32, error) { return n, nil } }

func TestDesiredFromMinAvailableAndMaxUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name              string
		spec              policyv1.PodDisruptionBudgetSpec
		pods              int
		scale             int32
		expected, desired int32
	}{
		{name: "minAvailable 2 of 3 pods counts the pods, not the scale",
			spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(2))}, pods: 3, scale: 5, expected: 3, desired: 2},
		{name: "minAvailable 50% of a scale of 5 rounds up",
			spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromString("50%"))}, pods: 3, scale: 5, expected: 5, desired: 3},
		{name: "maxUnavailable 1 of a scale of 4",
			spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt32(1))}, pods: 4, scale: 4, expected: 4, desired: 3},
		{name: "maxUnavailable 30% of a scale of 5 rounds up the unavailable",
			spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromString("30%"))}, pods: 5, scale: 5, expected: 5, desired: 3},
		{name: "maxUnavailable beyond the scale desires none",
			spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt32(9))}, pods: 2, scale: 2, expected: 2, desired: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expected, desired, err := Desired(tc.spec, pods(tc.pods), scaleOf(tc.scale))
			if err != nil {
				t.Fatal(err)
			}
			if expected != tc.expected || desired != tc.desired {
				t.Errorf("expected %d, desired %d; want %d, %d", expected, desired, tc.expected, tc.desired)
			}
		})
	}
}

func TestDesiredAsksTheScaleOnlyWhenItNeedsIt(t *testing.T) {
	failing := func([]*corev1.Pod) (int32, error) { return 0, ErrNoScale }
	if _, _, err := Desired(policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(1))}, pods(2), failing); err != nil {
		t.Errorf("minAvailable as a number asked the scale: %v", err)
	}
	if _, _, err := Desired(policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt32(1))}, pods(2), failing); !errors.Is(err, ErrNoScale) {
		t.Errorf("maxUnavailable without a scale: %v; want ErrNoScale", err)
	}
}

func TestStatusCountsHealthyPodsAndAllowsTheRest(t *testing.T) {
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Generation: 3}}
	ps := pods(4)
	ps[1] = readyPod("unready", false)
	ps[2].DeletionTimestamp = &metav1.Time{Time: now}
	st, recheck := Status(pdb, ps, 4, 1, now)
	if st.CurrentHealthy != 2 || st.DesiredHealthy != 1 || st.ExpectedPods != 4 || st.DisruptionsAllowed != 1 || st.ObservedGeneration != 3 {
		t.Errorf("status %+v; want currentHealthy 2, desiredHealthy 1, expectedPods 4, disruptionsAllowed 1, observedGeneration 3", st)
	}
	if !recheck.IsZero() {
		t.Errorf("recheck at %v with no disruption recorded", recheck)
	}
	if st, _ := Status(pdb, ps, 4, 3, now); st.DisruptionsAllowed != 0 {
		t.Errorf("fewer healthy than desired allows %d; want 0", st.DisruptionsAllowed)
	}
	if st, _ := Status(pdb, ps, 0, 0, now); st.DisruptionsAllowed != 0 {
		t.Errorf("a budget expecting no pods allows %d; want 0", st.DisruptionsAllowed)
	}
}

func TestStatusDoesNotCountARecentlyEvictedPodUntilItsTimeout(t *testing.T) {
	ps := pods(3)
	pdb := &policyv1.PodDisruptionBudget{Status: policyv1.PodDisruptionBudgetStatus{DisruptedPods: map[string]metav1.Time{
		"web-0": {Time: now.Add(-time.Minute)},     // evicted a minute ago: not healthy
		"web-1": {Time: now.Add(-3 * time.Minute)}, // its eviction timed out: healthy again
		"gone":  {Time: now},                       // not selected any more: dropped
	}}}
	st, recheck := Status(pdb, ps, 3, 1, now)
	if st.CurrentHealthy != 2 || st.DisruptionsAllowed != 1 {
		t.Errorf("currentHealthy %d, disruptionsAllowed %d; want 2, 1", st.CurrentHealthy, st.DisruptionsAllowed)
	}
	if len(st.DisruptedPods) != 1 || st.DisruptedPods["web-0"].Time.IsZero() {
		t.Errorf("disruptedPods %v; want only web-0", st.DisruptedPods)
	}
	if want := now.Add(time.Minute); !recheck.Equal(want) {
		t.Errorf("recheck at %v; want %v, when web-0's eviction times out", recheck, want)
	}
}

// TestSyncWritesTheStatusFromTheDeploymentsScale syncs a budget of
// maxUnavailable 25% over pods of a ReplicaSet that a Deployment of 4
// replicas controls, through a fake clientset.
func TestSyncWritesTheStatusFromTheDeploymentsScale(t *testing.T) {
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "dep-uid"},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](4)}}
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "ns", UID: "rs-uid",
		OwnerReferences: []metav1.OwnerReference{controllerRef("apps/v1", "Deployment", "web", "dep-uid")}},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](3)}}
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", Generation: 2},
		Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromString("25%")),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}
	objs := []runtime.Object{dep, rs, pdb}
	for _, p := range pods(4) {
		p.OwnerReferences = []metav1.OwnerReference{controllerRef("apps/v1", "ReplicaSet", "web-1", "rs-uid")}
		objs = append(objs, p)
	}
	client := fake.NewClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	c, err := newController(&controller.Context{Client: client, Informers: factory, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	if err := c.sync(ctx, "ns/web"); err != nil {
		t.Fatalf("sync: %v", err)
	}
	got, err := client.PolicyV1().PodDisruptionBudgets("ns").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := got.Status
	if st.ExpectedPods != 4 || st.DesiredHealthy != 3 || st.CurrentHealthy != 4 || st.DisruptionsAllowed != 1 || st.ObservedGeneration != 2 {
		t.Errorf("status %+v; want expectedPods 4 (the Deployment's), desiredHealthy 3, currentHealthy 4, disruptionsAllowed 1, observedGeneration 2", st)
	}
	if cond := apimeta.FindStatusCondition(st.Conditions, policyv1.DisruptionAllowedCondition); cond == nil ||
		cond.Status != metav1.ConditionTrue || cond.Reason != policyv1.SufficientPodsReason {
		t.Errorf("DisruptionAllowed condition %+v; want True SufficientPods", cond)
	}
}

func TestSyncFailsSafeWhenAControllerHasNoScale(t *testing.T) {
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", Generation: 1},
		Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
		Status: policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 3}}
	pod := readyPod("web-0", true)
	pod.OwnerReferences = []metav1.OwnerReference{controllerRef("batch/v1", "Job", "once", "job-uid")}
	client := fake.NewClientset(pdb, pod)
	factory := informers.NewSharedInformerFactory(client, 0)
	c, err := newController(&controller.Context{Client: client, Informers: factory, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	if err := c.sync(ctx, "ns/web"); !errors.Is(err, ErrNoScale) {
		t.Fatalf("sync: %v; want ErrNoScale", err)
	}
	got, _ := client.PolicyV1().PodDisruptionBudgets("ns").Get(ctx, "web", metav1.GetOptions{})
	cond := apimeta.FindStatusCondition(got.Status.Conditions, policyv1.DisruptionAllowedCondition)
	if got.Status.DisruptionsAllowed != 0 || cond == nil || cond.Reason != policyv1.SyncFailedReason {
		t.Errorf("status %+v after a failed sync; want disruptionsAllowed 0 and SyncFailed", got.Status)
	}
}

func controllerRef(apiVersion, kind, name string, uid types.UID) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, Controller: ptr.To(true)}
}
