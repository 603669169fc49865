package kubelet_test

import (
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

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

func TestStatusKeepsTransitionTimesOfUnchangedConditions(t *testing.T) {
	p := pod(corev1.RestartPolicyAlways, "a")
	observed := podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{up("a", 0)}}
	ready := podstate.Probes{Ready: map[string]bool{"a": true}}
	first, _ := kubelet.Status(p, observed, ready, t0)
	p.Status = first
	second, err := kubelet.Status(p, observed, ready, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range second.Conditions {
		if !c.LastTransitionTime.Equal(&first.Conditions[i].LastTransitionTime) {
			t.Fatalf("condition %s moved its transition time with no change", c.Type)
		}
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
