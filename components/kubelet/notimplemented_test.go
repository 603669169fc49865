package kubelet_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
	"github.com/ownkube/ownkube/components/kit/exercise"
	"github.com/ownkube/ownkube/components/kubelet"
	"github.com/ownkube/ownkube/components/kubelet/core"
	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// stub swaps one function of the learner's core for a stub's for the
// test's length. The kubelet must be started after it, so that it stops
// before the function is put back.
func stub[F any](t *testing.T, fn *F, with F) {
	t.Helper()
	was := *fn
	*fn = with
	t.Cleanup(func() { *fn = was })
}

// lockedBuffer is a log sink the kubelet's goroutines may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runLoggedKubelet runs a kubelet for n1 whose log is returned.
func runLoggedKubelet(t *testing.T) (kubernetes.Interface, *lockedBuffer) {
	t.Helper()
	s := apiservertest.Start(t, apiservertest.Options{})
	logs := &lockedBuffer{}
	k, err := kubelet.New(kubelet.Config{Client: s.Client, NodeName: "n1", Runtime: newFakeRuntime(), NodeIP: "127.0.0.1",
		Policy: podstate.Policy{BackoffBase: 100 * time.Millisecond, BackoffCap: 400 * time.Millisecond}, LogAddress: freeAddress(t),
		HeartbeatInterval: 100 * time.Millisecond, ResyncInterval: 200 * time.Millisecond, RelistInterval: 100 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return s.Client, logs
}

func notImplementedCondition(pod *corev1.Pod) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == exercise.ConditionType {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// stubEvents are the Warning events NotImplemented on the object named name.
func stubEvents(t *testing.T, c kubernetes.Interface, ns, name string) []corev1.Event {
	t.Helper()
	list, err := c.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []corev1.Event
	for _, e := range list.Items {
		if e.InvolvedObject.Name == name && e.Type == corev1.EventTypeWarning && e.Reason == exercise.Reason {
			out = append(out, e)
		}
	}
	return out
}

func TestAStubPlanIsReportedOnThePodOnceAndRetriedWithBackOff(t *testing.T) {
	var calls atomic.Int64 // the kubelet's workers call Plan concurrently
	stub(t, &core.Plan, func(pod *corev1.Pod, _ podstate.Pod, _ podstate.Probes, _ time.Time, _ podstate.Policy) ([]podstate.Action, error) {
		calls.Add(1)
		return nil, exercise.NotImplemented(4, "kubelet.Plan")
	})
	c, logs := runLoggedKubelet(t)
	if _, err := c.CoreV1().Pods("default").Create(context.Background(), boundPod("web", corev1.RestartPolicyAlways), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "pod web to carry the condition "+exercise.ConditionType, func() bool {
		cond := notImplementedCondition(getPod(t, c, "web"))
		return cond != nil && cond.Status == corev1.ConditionTrue && cond.Reason == exercise.Reason &&
			cond.Message == "not implemented: stage 4 kubelet.Plan"
	})
	waitFor(t, "a Warning event NotImplemented on pod web", func() bool {
		evs := stubEvents(t, c, "default", "web")
		return len(evs) == 1 && evs[0].Message == "not implemented: stage 4 kubelet.Plan"
	})
	time.Sleep(time.Second) // several resyncs and retries
	if n := linesNaming(logs.String(), "kubelet.Plan"); n != 1 {
		t.Errorf("the stub is named in %d log lines, want 1:\n%s", n, logs.String())
	}
	// The queue's back-off starts at 100ms and doubles: in a second, a
	// dozen tries at most, not a hot loop.
	if tries := calls.Load(); tries > 15 {
		t.Errorf("Plan was called %d times in about a second: a stub must not be retried faster than the back-off", tries)
	}
}

func TestAStatusStubThatPanicsIsReportedOnThePod(t *testing.T) {
	stub(t, &core.Status, func(*corev1.Pod, podstate.Pod, podstate.Probes, time.Time) (corev1.PodStatus, error) {
		panic(exercise.NotImplemented(4, "kubelet.phase"))
	})
	c, _ := runLoggedKubelet(t)
	if _, err := c.CoreV1().Pods("default").Create(context.Background(), boundPod("web", corev1.RestartPolicyAlways), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "pod web to carry the condition "+exercise.ConditionType+" naming kubelet.phase", func() bool {
		cond := notImplementedCondition(getPod(t, c, "web"))
		return cond != nil && cond.Message == "not implemented: stage 4 kubelet.phase"
	})
}

func TestAStubReadyConditionRegistersTheNodeNotReadyWithReasonNotImplemented(t *testing.T) {
	stub(t, &core.ReadyCondition, func([]corev1.NodeCondition, error, time.Time) (corev1.NodeCondition, error) {
		return corev1.NodeCondition{}, exercise.NotImplemented(4, "kubelet.ReadyCondition")
	})
	stub(t, &core.RenewLease, func(_ *coordinationv1.Lease, _ string, _ time.Time, _ time.Duration) (*coordinationv1.Lease, error) {
		return nil, exercise.NotImplemented(4, "kubelet.RenewLease")
	})
	c, logs := runLoggedKubelet(t)
	ctx := context.Background()
	waitFor(t, "node n1 registered with Ready=False reason NotImplemented", func() bool {
		node, err := c.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
		if err != nil {
			return false
		}
		for _, cond := range node.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				return cond.Status == corev1.ConditionFalse && cond.Reason == exercise.Reason &&
					cond.Message == "not implemented: stage 4 kubelet.ReadyCondition"
			}
		}
		return false
	})
	waitFor(t, "Warning events NotImplemented on node n1 naming both stubs", func() bool {
		var msgs []string
		for _, e := range stubEvents(t, c, "default", "n1") {
			msgs = append(msgs, e.Message)
		}
		all := strings.Join(msgs, ";")
		return strings.Contains(all, "kubelet.ReadyCondition") && strings.Contains(all, "kubelet.RenewLease")
	})
	time.Sleep(500 * time.Millisecond) // several heartbeats
	for _, fn := range []string{"kubelet.ReadyCondition", "kubelet.RenewLease"} {
		if n := linesNaming(logs.String(), fn); n != 1 {
			t.Errorf("%s is named in %d log lines, want 1:\n%s", fn, n, logs.String())
		}
	}
}

func linesNaming(log, fn string) int {
	n := 0
	for line := range strings.Lines(log) {
		if strings.Contains(line, fn) {
			n++
		}
	}
	return n
}
