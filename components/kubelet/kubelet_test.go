package kubelet_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
	"github.com/ownkube/ownkube/components/kubelet"
	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// startKubelet runs a kubelet for node n1 against an in-process API
// server, over a fake runtime.
func startKubelet(t *testing.T) (kubernetes.Interface, *fakeRuntime) {
	t.Helper()
	return startKubeletWith(t, podstate.Policy{BackoffBase: 100 * time.Millisecond, BackoffCap: 400 * time.Millisecond})
}

func startKubeletWith(t *testing.T, policy podstate.Policy) (kubernetes.Interface, *fakeRuntime) {
	t.Helper()
	s := apiservertest.Start(t, apiservertest.Options{})
	rt := newFakeRuntime()
	runKubelet(t, s.Client, rt, policy)
	return s.Client, rt
}

// runKubelet runs a kubelet for node n1 until the test ends or stop is called.
func runKubelet(t *testing.T, c kubernetes.Interface, rt *fakeRuntime, policy podstate.Policy) (stop func()) {
	t.Helper()
	k, err := kubelet.New(kubelet.Config{Client: c, NodeName: "n1", Runtime: rt, NodeIP: "127.0.0.1",
		Policy: policy, LogAddress: freeAddress(t), HeartbeatInterval: 200 * time.Millisecond,
		ResyncInterval: time.Minute, RelistInterval: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	stop = sync.OnceFunc(func() {
		cancel()
		<-done
	})
	t.Cleanup(stop)
	return stop
}

func boundPod(name string, restart corev1.RestartPolicy) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PodSpec{NodeName: "n1", RestartPolicy: restart, Containers: []corev1.Container{{Name: "app", Image: "ownkube/echo",
			Env: []corev1.EnvVar{{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
				{Name: "NODE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}}}}}}}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func getPod(t *testing.T, c kubernetes.Interface, name string) *corev1.Pod {
	pod, err := c.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pod
}

func TestTheNodeRegistersReadyAndRenewsItsLease(t *testing.T) {
	c, _ := startKubelet(t)
	ctx := context.Background()
	waitFor(t, "node n1 Ready", func() bool {
		node, err := c.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
		return err == nil && len(node.Status.Conditions) > 0 && node.Status.Conditions[0].Status == corev1.ConditionTrue &&
			node.Status.Allocatable.Cpu().String() == "2" && node.Labels[corev1.LabelHostname] == "n1"
	})
	var first time.Time
	waitFor(t, "the lease renewed twice", func() bool {
		lease, err := c.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, "n1", metav1.GetOptions{})
		if err != nil || lease.Spec.RenewTime == nil {
			return false
		}
		if first.IsZero() {
			first = lease.Spec.RenewTime.Time
		}
		return lease.Spec.RenewTime.Time.After(first)
	})
	// Every status refresh is a heartbeat of the Ready condition, but not a
	// transition: since when the node is Ready stays put.
	var since, beat metav1.Time
	waitFor(t, "a later heartbeat of condition Ready", func() bool {
		node, err := c.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
		if err != nil || len(node.Status.Conditions) == 0 {
			return false
		}
		ready := node.Status.Conditions[0]
		if beat.IsZero() {
			since, beat = ready.LastTransitionTime, ready.LastHeartbeatTime
		}
		if ready.LastHeartbeatTime.After(beat.Time) && !ready.LastTransitionTime.Equal(&since) {
			t.Fatalf("Ready stayed True, yet its lastTransitionTime moved from %v to %v", since, ready.LastTransitionTime)
		}
		return ready.LastHeartbeatTime.After(beat.Time)
	})
}

func TestABoundPodRunsAndReportsItsStatus(t *testing.T) {
	c, rt := startKubelet(t)
	_, err := c.CoreV1().Pods("default").Create(context.Background(), boundPod("web", corev1.RestartPolicyAlways), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "pod web Running and Ready", func() bool {
		pod := getPod(t, c, "web")
		return pod.Status.Phase == corev1.PodRunning && pod.Status.PodIP != "" && pod.Status.HostIP == "127.0.0.1" &&
			len(pod.Status.ContainerStatuses) == 1 && pod.Status.ContainerStatuses[0].Ready
	})
	env := rt.envOf("web")
	if env["POD_NAME"] != "web" || env["NODE_NAME"] != "n1" {
		t.Fatalf("downward API env: %v", env)
	}
}

// A pod's conditions say since when they hold: a ReplicaSet deletes the pod
// Ready for the least time first, and kubectl shows the age of each.
func TestAReadyPodsConditionsSaySinceWhen(t *testing.T) {
	c, _ := startKubelet(t)
	created, err := c.CoreV1().Pods("default").Create(context.Background(), boundPod("since", corev1.RestartPolicyAlways), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []corev1.PodConditionType{corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady}
	var first map[corev1.PodConditionType]metav1.Time
	waitFor(t, "pod since Ready", func() bool {
		first = trueConditions(getPod(t, c, "since"))
		return len(first) == len(want)
	})
	for _, typ := range want {
		if at := first[typ]; at.IsZero() || at.Before(&created.CreationTimestamp) || at.After(time.Now().Add(time.Second)) {
			t.Errorf("condition %s True since %v: want a lastTransitionTime between the pod's creation (%v) and now",
				typ, at, created.CreationTimestamp)
		}
	}
}

// trueConditions maps the pod's True conditions but PodScheduled (which
// the scheduler sets) to their lastTransitionTime.
func trueConditions(pod *corev1.Pod) map[corev1.PodConditionType]metav1.Time {
	m := map[corev1.PodConditionType]metav1.Time{}
	for _, c := range pod.Status.Conditions {
		if c.Status == corev1.ConditionTrue && c.Type != corev1.PodScheduled {
			m[c.Type] = c.LastTransitionTime
		}
	}
	return m
}

func TestACrashingContainerRestartsWithAGrowingCount(t *testing.T) {
	c, rt := startKubelet(t)
	_, err := c.CoreV1().Pods("default").Create(context.Background(), boundPod("crash", corev1.RestartPolicyAlways), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for want := int32(1); want <= 2; want++ {
		waitFor(t, "a running attempt", func() bool { return len(rt.running("crash", "app")) == 1 })
		rt.exit(rt.running("crash", "app")[0], 1)
		waitFor(t, "the restart count to grow", func() bool {
			pod := getPod(t, c, "crash")
			return len(pod.Status.ContainerStatuses) == 1 && pod.Status.ContainerStatuses[0].RestartCount == want &&
				pod.Status.ContainerStatuses[0].State.Running != nil
		})
	}
}

func TestNeverRestartEndsFailedWithTheExitCode(t *testing.T) {
	c, rt := startKubelet(t)
	_, err := c.CoreV1().Pods("default").Create(context.Background(), boundPod("once", corev1.RestartPolicyNever), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a running container", func() bool { return len(rt.running("once", "app")) == 1 })
	rt.exit(rt.running("once", "app")[0], 3)
	waitFor(t, "phase Failed with exit code 3", func() bool {
		pod := getPod(t, c, "once")
		cs := pod.Status.ContainerStatuses
		return pod.Status.Phase == corev1.PodFailed && len(cs) == 1 && cs[0].State.Terminated != nil && cs[0].State.Terminated.ExitCode == 3
	})
}

func TestAMissingImageWaitsWithErrImageNeverPull(t *testing.T) {
	c, rt := startKubelet(t)
	rt.missing["ownkube/echo"] = true
	_, err := c.CoreV1().Pods("default").Create(context.Background(), boundPod("noimage", corev1.RestartPolicyAlways), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ErrImageNeverPull", func() bool {
		cs := getPod(t, c, "noimage").Status.ContainerStatuses
		return len(cs) == 1 && cs[0].State.Waiting != nil && cs[0].State.Waiting.Reason == "ErrImageNeverPull"
	})
}

func TestADeletedPodIsStoppedThenRemovedFromTheAPI(t *testing.T) {
	c, rt := startKubelet(t)
	ctx := context.Background()
	_, err := c.CoreV1().Pods("default").Create(ctx, boundPod("bye", corev1.RestartPolicyAlways), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Running", func() bool { return getPod(t, c, "bye").Status.Phase == corev1.PodRunning })
	if err := c.CoreV1().Pods("default").Delete(ctx, "bye", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the pod gone from the API and the node", func() bool {
		_, err := c.CoreV1().Pods("default").Get(ctx, "bye", metav1.GetOptions{})
		return apierrors.IsNotFound(err) && rt.count() == 0
	})
}

func TestContainerLogsAreServedThroughTheAPIServer(t *testing.T) {
	c, rt := startKubelet(t)
	ctx := context.Background()
	_, err := c.CoreV1().Pods("default").Create(ctx, boundPod("talk", corev1.RestartPolicyAlways), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a running container", func() bool { return len(rt.running("talk", "app")) == 1 })
	waitFor(t, "the status to know it", func() bool { return getPod(t, c, "talk").Status.Phase == corev1.PodRunning })
	out, err := c.CoreV1().Pods("default").GetLogs("talk", &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := "log of " + rt.running("talk", "app")[0] + "\n"; string(out) != want {
		t.Fatalf("logs %q, want %q", out, want)
	}
	_, err = c.CoreV1().Pods("default").GetLogs("talk", &corev1.PodLogOptions{Container: "nope"}).DoRaw(ctx)
	if !apierrors.IsBadRequest(err) {
		t.Fatalf("logs of a container the pod lacks: %v, want BadRequest", err)
	}
}

func freeAddress(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestACrashLoopShowsItsBackOffAndTheLastExit(t *testing.T) {
	c, rt := startKubeletWith(t, podstate.Policy{BackoffBase: 3 * time.Second, BackoffCap: 3 * time.Second})
	_, err := c.CoreV1().Pods("default").Create(context.Background(), boundPod("loop", corev1.RestartPolicyAlways), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 0; attempt < 2; attempt++ { // the first exit restarts at once, the second backs off
		waitFor(t, "a running attempt", func() bool { return len(rt.running("loop", "app")) == 1 })
		rt.exit(rt.running("loop", "app")[0], 1)
	}
	waitFor(t, "CrashLoopBackOff with the last exit code", func() bool {
		cs := getPod(t, c, "loop").Status.ContainerStatuses
		return len(cs) == 1 && cs[0].State.Waiting != nil && cs[0].State.Waiting.Reason == "CrashLoopBackOff" &&
			cs[0].LastTerminationState.Terminated != nil && cs[0].LastTerminationState.Terminated.ExitCode == 1
	})
	waitFor(t, "the restart after the back-off, keeping the previous attempt", func() bool {
		cs := getPod(t, c, "loop").Status.ContainerStatuses
		return len(cs) == 1 && cs[0].RestartCount == 2 && cs[0].State.Running != nil &&
			cs[0].LastTerminationState.Terminated != nil && cs[0].LastTerminationState.Terminated.ExitCode == 1
	})
}

func TestARestartedKubeletAdoptsWhatRuns(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{})
	rt := newFakeRuntime()
	policy := podstate.Policy{BackoffBase: time.Second, BackoffCap: time.Second}
	stop := runKubelet(t, s.Client, rt, policy)
	for _, name := range []string{"a", "b", "c"} {
		if _, err := s.Client.CoreV1().Pods("default").Create(context.Background(), boundPod(name, corev1.RestartPolicyAlways), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "three running pods", func() bool { return rt.count() == 6 && len(rt.running("c", "app")) == 1 })
	before := rt.ids()
	stop()
	runKubelet(t, s.Client, rt, policy)
	deadline := time.Now().Add(2 * time.Second) // a few relists and syncs
	for time.Now().Before(deadline) {
		if now := rt.ids(); now != before {
			t.Fatalf("the restarted kubelet changed what runs:\n before %s\n now    %s", before, now)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
