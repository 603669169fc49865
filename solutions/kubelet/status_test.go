package kubelet_test

import (
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/kubelet/podstate"
	"github.com/ownkube/ownkube/solutions/kubelet"
)

func TestStatus(t *testing.T) {
	cases := []struct {
		name       string
		pod        *corev1.Pod
		observed   podstate.Pod
		ready      map[string]bool
		phase      corev1.PodPhase
		podReady   bool
		state      string // of the first container: waiting reason, "running", or "terminated:<code>"
		restarts   int32
		lastExited bool
	}{
		{"nothing runs yet", pod(corev1.RestartPolicyAlways, "a"), podstate.Pod{}, nil, corev1.PodPending, false, "ContainerCreating", 0, false},
		{"a missing image", pod(corev1.RestartPolicyAlways, "a"), podstate.Pod{Sandboxes: running(), MissingImages: map[string]bool{"img-a": true}},
			nil, corev1.PodPending, false, "ErrImageNeverPull", 0, false},
		{"running but not ready", pod(corev1.RestartPolicyAlways, "a"), podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{up("a", 0)}},
			nil, corev1.PodRunning, false, "running", 0, false},
		{"running and ready", pod(corev1.RestartPolicyAlways, "a"), podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{up("a", 0)}},
			map[string]bool{"a": true}, corev1.PodRunning, true, "running", 0, false},
		{"restarted after a crash", pod(corev1.RestartPolicyAlways, "a"),
			podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{up("a", 2), exited("a", 1, 1, t0)}},
			map[string]bool{"a": true}, corev1.PodRunning, true, "running", 2, true},
		{"backing off after a crash", pod(corev1.RestartPolicyAlways, "a"),
			podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{exited("a", 1, 3, t0)}},
			nil, corev1.PodRunning, false, "CrashLoopBackOff", 3, true},
		{"Never with a failure", pod(corev1.RestartPolicyNever, "a"),
			podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{exited("a", 7, 0, t0)}},
			nil, corev1.PodFailed, false, "terminated:7", 0, false},
		{"OnFailure with a success", pod(corev1.RestartPolicyOnFailure, "a"),
			podstate.Pod{Containers: []podstate.Container{exited("a", 0, 0, t0)}},
			nil, corev1.PodSucceeded, false, "terminated:0", 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, err := kubelet.Status(c.pod, c.observed, podstate.Probes{Ready: c.ready}, t0)
			if err != nil {
				t.Fatal(err)
			}
			if st.Phase != c.phase || isReady(st) != c.podReady {
				t.Fatalf("phase %s ready %v, want %s %v", st.Phase, isReady(st), c.phase, c.podReady)
			}
			cs := st.ContainerStatuses[0]
			if got := stateOf(cs); got != c.state || cs.RestartCount != c.restarts || (cs.LastTerminationState.Terminated != nil) != c.lastExited {
				t.Fatalf("container: %s restarts %d last %v; want %s %d %v", got, cs.RestartCount, cs.LastTerminationState.Terminated, c.state, c.restarts, c.lastExited)
			}
			if len(c.observed.Sandboxes) > 0 && st.PodIP != "10.0.0.5" {
				t.Fatalf("podIP %q, want the sandbox's", st.PodIP)
			}
			if st.StartTime == nil {
				t.Fatal("no startTime")
			}
		})
	}
}

func TestStatusSetsEachConditionAtNowWhenItFirstAppears(t *testing.T) {
	for _, c := range []struct {
		name  string
		ready map[string]bool
		want  corev1.ConditionStatus // of ContainersReady and Ready
	}{
		{"ready", map[string]bool{"a": true}, corev1.ConditionTrue},
		{"not ready", nil, corev1.ConditionFalse},
	} {
		t.Run(c.name, func(t *testing.T) {
			observed := podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{up("a", 0)}}
			st, err := kubelet.Status(pod(corev1.RestartPolicyAlways, "a"), observed, podstate.Probes{Ready: c.ready}, t0)
			if err != nil {
				t.Fatal(err)
			}
			want := map[corev1.PodConditionType]corev1.ConditionStatus{
				corev1.PodInitialized: corev1.ConditionTrue, corev1.ContainersReady: c.want, corev1.PodReady: c.want}
			for typ, status := range want {
				cond := condition(st, typ)
				if cond == nil {
					t.Fatalf("no condition %s in %+v", typ, st.Conditions)
				}
				if cond.Status != status || !cond.LastTransitionTime.Time.Equal(t0) {
					t.Fatalf("condition %s: %s since %v, want %s since now (%v)", typ, cond.Status, cond.LastTransitionTime, status, t0)
				}
			}
		})
	}
}

func TestStatusKeepsTransitionTimesOfUnchangedConditions(t *testing.T) {
	p := pod(corev1.RestartPolicyAlways, "a")
	observed := podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{up("a", 0)}}
	ready := podstate.Probes{Ready: map[string]bool{"a": true}}
	first, err := kubelet.Status(p, observed, ready, t0)
	if err != nil {
		t.Fatal(err)
	}
	p.Status = first
	second, err := kubelet.Status(p, observed, ready, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	expectTransitions(t, "a minute later, nothing changed", second, map[corev1.PodConditionType]time.Time{
		corev1.PodInitialized: t0, corev1.ContainersReady: t0, corev1.PodReady: t0})
	p.Status = second
	third, err := kubelet.Status(p, observed, podstate.Probes{}, t0.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	expectTransitions(t, "two minutes later, the probe fails", third, map[corev1.PodConditionType]time.Time{
		corev1.PodInitialized: t0, corev1.ContainersReady: t0.Add(2 * time.Minute), corev1.PodReady: t0.Add(2 * time.Minute)})
}

func TestStatusSetsStartTimeOnce(t *testing.T) {
	p := pod(corev1.RestartPolicyAlways, "a")
	first, err := kubelet.Status(p, podstate.Pod{}, podstate.Probes{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if first.StartTime == nil || !first.StartTime.Time.Equal(t0) {
		t.Fatalf("first status: startTime %v, want now (%v)", first.StartTime, t0)
	}
	p.Status = first
	observed := podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{up("a", 1), exited("a", 1, 0, t0.Add(time.Minute))}}
	later, err := kubelet.Status(p, observed, podstate.Probes{}, t0.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if later.StartTime == nil || !later.StartTime.Time.Equal(t0) {
		t.Fatalf("after a restart: startTime %v, want the first one (%v) kept", later.StartTime, t0)
	}
}

func TestStatusKeepsWhatTheKubeletDoesNotDecide(t *testing.T) {
	p := pod(corev1.RestartPolicyAlways, "a")
	scheduled := metav1.NewTime(t0.Add(-time.Hour))
	p.Status = corev1.PodStatus{
		Phase:      corev1.PodPending,
		Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: scheduled}},
		QOSClass:   corev1.PodQOSBurstable,
		HostIP:     "172.18.0.3", HostIPs: []corev1.HostIP{{IP: "172.18.0.3"}},
	}
	observed := podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{up("a", 0)}}
	st, err := kubelet.Status(p, observed, podstate.Probes{Ready: map[string]bool{"a": true}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if c := condition(st, corev1.PodScheduled); c == nil || c.Status != corev1.ConditionTrue || !c.LastTransitionTime.Equal(&scheduled) {
		t.Fatalf("PodScheduled %+v, want it kept as the scheduler set it (True since %v)", c, scheduled)
	}
	if st.QOSClass != corev1.PodQOSBurstable {
		t.Fatalf("qosClass %q, want Burstable kept: the API server decides it", st.QOSClass)
	}
	if st.HostIP != "172.18.0.3" || len(st.HostIPs) != 1 || st.HostIPs[0].IP != "172.18.0.3" {
		t.Fatalf("hostIP %q, hostIPs %v, want 172.18.0.3 kept", st.HostIP, st.HostIPs)
	}
	if p.Status.Conditions[0].Type != corev1.PodScheduled || len(p.Status.Conditions) != 1 {
		t.Fatalf("the pod passed in was changed: %+v", p.Status.Conditions)
	}
}

func TestHeartbeat(t *testing.T) {
	lease, err := kubelet.RenewLease(nil, "n1", t0, 40*time.Second)
	if err != nil || lease.Name != "n1" || lease.Namespace != corev1.NamespaceNodeLease ||
		*lease.Spec.HolderIdentity != "n1" || *lease.Spec.LeaseDurationSeconds != 40 || !lease.Spec.RenewTime.Time.Equal(t0) {
		t.Fatalf("new lease: %+v, %v", lease, err)
	}
	renewed, _ := kubelet.RenewLease(lease, "n1", t0.Add(10*time.Second), 40*time.Second)
	if !renewed.Spec.RenewTime.Time.Equal(t0.Add(10*time.Second)) || lease.Spec.RenewTime.Time != t0 {
		t.Fatalf("renewal: %v (and the stored lease must not change: %v)", renewed.Spec.RenewTime, lease.Spec.RenewTime)
	}
	ready, err := kubelet.ReadyCondition(nil, nil, t0)
	if err != nil || ready.Status != corev1.ConditionTrue || ready.Type != corev1.NodeReady {
		t.Fatalf("ready: %+v, %v", ready, err)
	}
	later, _ := kubelet.ReadyCondition([]corev1.NodeCondition{ready}, nil, t0.Add(time.Minute))
	down, _ := kubelet.ReadyCondition([]corev1.NodeCondition{later}, errors.New("docker is gone"), t0.Add(2*time.Minute))
	if !later.LastTransitionTime.Time.Equal(t0) || !later.LastHeartbeatTime.Time.Equal(t0.Add(time.Minute)) ||
		down.Status != corev1.ConditionFalse || !down.LastTransitionTime.Time.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("later %+v, down %+v", later, down)
	}
}

// expectTransitions checks the lastTransitionTime of each condition in want.
func expectTransitions(t *testing.T, when string, st corev1.PodStatus, want map[corev1.PodConditionType]time.Time) {
	t.Helper()
	for typ, at := range want {
		c := condition(st, typ)
		if c == nil {
			t.Fatalf("%s: no condition %s in %+v", when, typ, st.Conditions)
		}
		if !c.LastTransitionTime.Time.Equal(at) {
			t.Fatalf("%s: condition %s (%s) last moved at %v, want %v", when, typ, c.Status, c.LastTransitionTime, at)
		}
	}
}

func condition(st corev1.PodStatus, typ corev1.PodConditionType) *corev1.PodCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == typ {
			return &st.Conditions[i]
		}
	}
	return nil
}

func isReady(st corev1.PodStatus) bool {
	for _, c := range st.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func stateOf(cs corev1.ContainerStatus) string {
	switch {
	case cs.State.Waiting != nil:
		return cs.State.Waiting.Reason
	case cs.State.Running != nil:
		return "running"
	case cs.State.Terminated != nil:
		return "terminated:" + string(rune('0'+cs.State.Terminated.ExitCode))
	}
	return "none"
}
