package kubelet_test

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/kubelet/podstate"
	"github.com/ownkube/ownkube/solutions/kubelet"
)

var (
	t0     = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	policy = podstate.Policy{BackoffBase: time.Second, BackoffCap: 8 * time.Second}
)

func pod(restart corev1.RestartPolicy, names ...string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "uid"},
		Spec: corev1.PodSpec{RestartPolicy: restart}}
	for _, n := range names {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: n, Image: "img-" + n})
	}
	return p
}

func running() []podstate.Sandbox {
	return []podstate.Sandbox{{ID: "sb", IP: "10.0.0.5", State: podstate.Running}}
}

func exited(name string, code, attempt int, finished time.Time) podstate.Container {
	return podstate.Container{ID: fmt.Sprintf("%s-%d", name, attempt), Name: name, State: podstate.Exited,
		ExitCode: code, RestartCount: attempt, StartedAt: finished.Add(-time.Second), FinishedAt: finished}
}

func up(name string, attempt int) podstate.Container {
	return podstate.Container{ID: fmt.Sprintf("%s-%d", name, attempt), Name: name, State: podstate.Running, RestartCount: attempt, StartedAt: t0}
}

func TestPlan(t *testing.T) {
	deleting := pod(corev1.RestartPolicyAlways, "a")
	deleting.DeletionTimestamp = &metav1.Time{Time: t0}
	grace := int64(5)
	deleting.DeletionGracePeriodSeconds = &grace
	cases := []struct {
		name     string
		pod      *corev1.Pod
		observed podstate.Pod
		probes   podstate.Probes
		want     []podstate.Action
	}{
		{"a new pod gets its sandbox, then its containers", pod(corev1.RestartPolicyAlways, "a", "b"), podstate.Pod{},
			podstate.Probes{}, []podstate.Action{podstate.CreateSandbox{}, podstate.StartContainer{Name: "a"}, podstate.StartContainer{Name: "b"}}},
		{"a running pod needs nothing", pod(corev1.RestartPolicyAlways, "a"), podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{up("a", 0)}},
			podstate.Probes{}, nil},
		{"a container whose image is missing is not started", pod(corev1.RestartPolicyAlways, "a", "b"),
			podstate.Pod{Sandboxes: running(), MissingImages: map[string]bool{"img-b": true}},
			podstate.Probes{}, []podstate.Action{podstate.StartContainer{Name: "a"}}},
		{"Always restarts a container that exited 0 once its back-off passed", pod(corev1.RestartPolicyAlways, "a"),
			podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{exited("a", 0, 0, t0.Add(-2*time.Second))}},
			podstate.Probes{}, []podstate.Action{podstate.StartContainer{Name: "a", RestartCount: 1}}},
		{"a restart waits for its back-off", pod(corev1.RestartPolicyAlways, "a"),
			podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{exited("a", 1, 2, t0.Add(-time.Second))}},
			podstate.Probes{}, []podstate.Action{podstate.WaitUntil{At: t0.Add(time.Second), Reason: "back-off restarting a"}}},
		{"OnFailure does not restart a success, and the finished pod loses its sandbox", pod(corev1.RestartPolicyOnFailure, "a"),
			podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{exited("a", 0, 0, t0.Add(-time.Minute))}},
			podstate.Probes{}, []podstate.Action{podstate.KillSandbox{ID: "sb"}}},
		{"OnFailure restarts a failure", pod(corev1.RestartPolicyOnFailure, "a"),
			podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{exited("a", 2, 0, t0.Add(-time.Minute))}},
			podstate.Probes{}, []podstate.Action{podstate.StartContainer{Name: "a", RestartCount: 1}}},
		{"Never restarts nothing", pod(corev1.RestartPolicyNever, "a", "b"),
			podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{exited("a", 2, 0, t0.Add(-time.Minute)), up("b", 0)}},
			podstate.Probes{}, nil},
		{"a failed liveness probe kills the container", pod(corev1.RestartPolicyAlways, "a"),
			podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{up("a", 0)}},
			podstate.Probes{LivenessFailed: map[string]bool{"a": true}},
			[]podstate.Action{podstate.KillContainer{ID: "a-0", Name: "a", Grace: 30 * time.Second, Reason: "Unhealthy"}}},
		{"attempts older than the newest two are removed", pod(corev1.RestartPolicyAlways, "a"),
			podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{up("a", 2), exited("a", 1, 1, t0), exited("a", 1, 0, t0)}},
			podstate.Probes{}, []podstate.Action{podstate.RemoveContainer{ID: "a-0"}}},
		{"a deleted pod is torn down with its grace period", deleting,
			podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{up("a", 0)}}, podstate.Probes{},
			[]podstate.Action{podstate.KillContainer{ID: "a-0", Name: "a", Grace: 5 * time.Second, Reason: "Killing"},
				podstate.KillSandbox{ID: "sb"}, podstate.RemoveContainer{ID: "a-0"}, podstate.RemoveContainer{ID: "sb"}}},
		{"a pod no longer meant for the node is torn down at once", nil,
			podstate.Pod{Sandboxes: running(), Containers: []podstate.Container{up("a", 0)}}, podstate.Probes{},
			[]podstate.Action{podstate.KillContainer{ID: "a-0", Name: "a", Reason: "Killing"},
				podstate.KillSandbox{ID: "sb"}, podstate.RemoveContainer{ID: "a-0"}, podstate.RemoveContainer{ID: "sb"}}},
		{"a torn-down pod needs nothing more", deleting, podstate.Pod{}, podstate.Probes{}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := kubelet.Plan(c.pod, c.observed, c.probes, t0, policy)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got  %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestRestartDelayIsNoneFirstThenDoublesUpToItsCap(t *testing.T) {
	for restarts, want := range []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		got, err := kubelet.RestartDelay(restarts, policy)
		if err != nil || got != want {
			t.Errorf("after %d restarts: %v, %v; want %v", restarts, got, err, want)
		}
	}
}
