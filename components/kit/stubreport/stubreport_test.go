package stubreport_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"

	"github.com/ownkube/ownkube/components/kit/exercise"
	"github.com/ownkube/ownkube/components/kit/stubreport"
)

func pod(name, uid string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID(uid)}}
}

func TestReportSaysOnceForEachObjectAndStub(t *testing.T) {
	events := record.NewFakeRecorder(10)
	var logs bytes.Buffer
	r := stubreport.New(events, slog.New(slog.NewTextHandler(&logs, nil)))
	plan := fmt.Errorf("plan pod default/web: %w", exercise.NotImplemented(4, "kubelet.Plan"))
	for range 3 {
		if ni := r.Report(pod("web", "u1"), plan); ni == nil || ni.Function != "kubelet.Plan" {
			t.Fatalf("Report(%v) = %v, want the stub's error", plan, ni)
		}
	}
	r.Report(pod("web", "u2"), plan) // a new pod of the same name
	r.Report(pod("web", "u1"), exercise.NotImplemented(4, "kubelet.Status"))
	if ni := r.Report(pod("web", "u1"), errors.New("connection refused")); ni != nil {
		t.Errorf("an error that is no stub's was reported: %v", ni)
	}
	close(events.Events)
	var got []string
	for e := range events.Events {
		got = append(got, e)
	}
	want := []string{
		"Warning NotImplemented not implemented: stage 4 kubelet.Plan",
		"Warning NotImplemented not implemented: stage 4 kubelet.Plan",
		"Warning NotImplemented not implemented: stage 4 kubelet.Status",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n != 3 {
		t.Errorf("%d error lines, want 3 (one per object and stub):\n%s", n, logs.String())
	}
}

func TestSetPodConditionKeepsAConditionThatSaysTheSame(t *testing.T) {
	ni, _ := exercise.As(exercise.NotImplemented(5, "scheduler.Schedule"))
	t0 := metav1.NewTime(time.Unix(1000, 0))
	conds, changed := stubreport.SetPodCondition([]corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse}}, ni, t0)
	if !changed || len(conds) != 2 || conds[1].Type != exercise.ConditionType || conds[1].Status != corev1.ConditionTrue ||
		conds[1].Reason != exercise.Reason || conds[1].Message != "not implemented: stage 5 scheduler.Schedule" {
		t.Fatalf("first set: %v %+v", changed, conds)
	}
	again, changed := stubreport.SetPodCondition(conds, ni, metav1.NewTime(t0.Add(time.Minute)))
	if changed || !again[1].LastTransitionTime.Equal(&t0) {
		t.Errorf("the same condition set again changed it: %v %+v", changed, again)
	}
	other, _ := exercise.As(exercise.NotImplemented(5, "scheduler.Filter"))
	if moved, changed := stubreport.SetPodCondition(conds, other, t0); !changed || len(moved) != 2 || moved[1].Message != other.Error() {
		t.Errorf("another stub did not replace the message: %v %+v", changed, moved)
	}
}

func TestNodeReadyIsFalseWithReasonNotImplementedAndKeepsItsTransitionTime(t *testing.T) {
	ni, _ := exercise.As(exercise.NotImplemented(4, "kubelet.ReadyCondition"))
	t0, t1 := metav1.NewTime(time.Unix(1000, 0)), metav1.NewTime(time.Unix(2000, 0))
	c := stubreport.NodeReady(nil, ni, t0)
	if c.Type != corev1.NodeReady || c.Status != corev1.ConditionFalse || c.Reason != exercise.Reason || c.Message != ni.Error() {
		t.Fatalf("NodeReady = %+v", c)
	}
	if c = stubreport.NodeReady([]corev1.NodeCondition{c}, ni, t1); !c.LastTransitionTime.Equal(&t0) || !c.LastHeartbeatTime.Equal(&t1) {
		t.Errorf("a Ready=False kept: transition %v (want %v), heartbeat %v (want %v)", c.LastTransitionTime, t0, c.LastHeartbeatTime, t1)
	}
}
