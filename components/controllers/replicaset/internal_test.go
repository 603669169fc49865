package replicaset

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func TestSlowStartBatchGrowsBatchesAndStopsAtTheFirstFailingOne(t *testing.T) {
	var calls atomic.Int32
	n, err := slowStartBatch(10, 1, func() error { calls.Add(1); return nil })
	if n != 10 || err != nil || calls.Load() != 10 {
		t.Errorf("all succeed: %d done, %v, %d calls", n, err, calls.Load())
	}
	// Batches 1, 2, 4: the call numbered 4 (the first of the third batch)
	// fails, so that batch ends the run; 8 of 100 are ever tried.
	calls.Store(0)
	n, err = slowStartBatch(100, 1, func() error {
		if calls.Add(1) == 4 {
			return errors.New("refused")
		}
		return nil
	})
	if err == nil || calls.Load() != 7 || n != 6 {
		t.Errorf("a failure in the third batch: %d done, %v, %d calls; want 6 done of 7 calls", n, err, calls.Load())
	}
	calls.Store(0)
	n, err = slowStartBatch(500, 1, func() error { calls.Add(1); return errors.New("invalid template") })
	if n != 0 || err == nil || calls.Load() != 1 {
		t.Errorf("a template the API refuses: %d done, %v, %d calls; want 1 call", n, err, calls.Load())
	}
}

func TestExpectationsHoldASyncUntilTheInformerCatchesUp(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e := newExpectations(func() time.Time { return now })
	if !e.satisfied("ns/a") {
		t.Fatal("a key never seen must be satisfied")
	}
	e.expect("ns/a", 2, nil)
	e.created("ns/a", 1)
	if e.satisfied("ns/a") {
		t.Error("one of two creates seen: not yet satisfied")
	}
	e.created("ns/a", 1)
	if !e.satisfied("ns/a") {
		t.Error("both creates seen: satisfied")
	}
	e.expect("ns/a", 0, []types.UID{"u1", "u2"})
	e.deleted("ns/a", "u1")
	e.deleted("ns/a", "u1") // seen going, then gone: counted once
	if e.satisfied("ns/a") {
		t.Error("one of two deletes seen: not yet satisfied")
	}
	now = now.Add(expectationsTimeout + time.Second)
	if !e.satisfied("ns/a") {
		t.Error("expectations older than the timeout must not hold the sync")
	}
	e.forget("ns/a")
	if !e.satisfied("ns/a") {
		t.Error("forgotten: satisfied")
	}
}

func TestCalculateStatusCountsAvailableAfterMinReadySeconds(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Generation: 3},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](3), MinReadySeconds: 10,
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "front"}}}}}
	ready := func(name string, since time.Duration, labels map[string]string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{
			Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(now.Add(-since))}}}}
	}
	full := map[string]string{"app": "web", "tier": "front"}
	pods := []*corev1.Pod{
		ready("long", time.Minute, full),
		ready("recent", 4*time.Second, full),
		{ObjectMeta: metav1.ObjectMeta{Name: "starting", Labels: map[string]string{"app": "web"}}},
	}
	s, recheck := calculateStatus(rs, pods, nil, now)
	if s.Replicas != 3 || s.FullyLabeledReplicas != 2 || s.ReadyReplicas != 2 || s.AvailableReplicas != 1 || s.ObservedGeneration != 3 {
		t.Errorf("status %+v", s)
	}
	if recheck < 6*time.Second || recheck > 7*time.Second {
		t.Errorf("recheck in %v, want about 6s, when pod recent becomes available", recheck)
	}
	s, _ = calculateStatus(rs, pods, errors.New("quota"), now)
	if len(s.Conditions) != 1 || s.Conditions[0].Type != appsv1.ReplicaSetReplicaFailure || s.Conditions[0].Reason != "FailedCreate" {
		t.Errorf("conditions after a failed create: %+v", s.Conditions)
	}
}
