//go:build solutions

package nodelifecycle

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/controllers/controller"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func readyNode(name string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(t0.Add(-time.Hour))},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady"}}}}
}

func lease(node string, renewed time.Time) *coordinationv1.Lease {
	return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: node, Namespace: corev1.NamespaceNodeLease},
		Spec: coordinationv1.LeaseSpec{RenewTime: &metav1.MicroTime{Time: renewed}}}
}

func boundPod(name, node string, tolerations ...corev1.Toleration) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: k8stypes.UID("uid-" + name)},
		Spec:   corev1.PodSpec{NodeName: node, Tolerations: tolerations},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}}
}

// newTestController builds the controller on a fake clientset holding
// objs, with the clock at now, and syncs its informers.
func newTestController(t *testing.T, now time.Time, objs ...runtime.Object) (*Controller, *fake.Clientset) {
	t.Helper()
	client := fake.NewClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	cc := &controller.Context{Client: client, Informers: factory, Events: record.NewBroadcaster(), Log: slog.Default(),
		Now:     func() time.Time { return now },
		Options: controller.Options{NodeMonitorGracePeriod: 10 * time.Second}.WithDefaults()}
	c, err := New(cc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	return c.(*Controller), client
}

func TestASilentNodeIsMarkedUnknownTaintedAndItsPodsNotReady(t *testing.T) {
	c, client := newTestController(t, t0, readyNode("gone"), lease("gone", t0.Add(-11*time.Second)), boundPod("p", "gone"),
		readyNode("alive"), lease("alive", t0))
	if err := c.syncHealth(context.Background(), "gone"); err != nil && !isRequeue(err) {
		t.Fatal(err)
	}
	node, _ := client.CoreV1().Nodes().Get(context.Background(), "gone", metav1.GetOptions{})
	ready := node.Status.Conditions[0]
	if ready.Status != corev1.ConditionUnknown || ready.Reason != "NodeStatusUnknown" || ready.Message != "Kubelet stopped posting node status." {
		t.Errorf("Ready = %s %s %q, want Unknown NodeStatusUnknown", ready.Status, ready.Reason, ready.Message)
	}
	if !hasTaint(node.Spec.Taints, unreachableNoExecute) || !hasTaint(node.Spec.Taints, unreachableNoSchedule) {
		t.Errorf("taints = %v, want unreachable NoExecute and NoSchedule", node.Spec.Taints)
	}
	for _, taint := range node.Spec.Taints {
		if taint.Effect == corev1.TaintEffectNoExecute && taint.TimeAdded == nil {
			t.Errorf("NoExecute taint %s has no timeAdded", taint.ToString())
		}
	}
	pod, _ := client.CoreV1().Pods("ns").Get(context.Background(), "p", metav1.GetOptions{})
	if pod.Status.Conditions[0].Status != corev1.ConditionFalse {
		t.Errorf("pod Ready = %s, want False on a lost node", pod.Status.Conditions[0].Status)
	}
}

func TestTheLastNodeLostIsNotTaintedNoExecute(t *testing.T) {
	c, client := newTestController(t, t0, readyNode("only"), lease("only", t0.Add(-time.Minute)))
	if err := c.syncHealth(context.Background(), "only"); err != nil && !isRequeue(err) {
		t.Fatal(err)
	}
	node, _ := client.CoreV1().Nodes().Get(context.Background(), "only", metav1.GetOptions{})
	if hasTaint(node.Spec.Taints, unreachableNoExecute) || !hasTaint(node.Spec.Taints, unreachableNoSchedule) {
		t.Errorf("taints = %v: with every node down (full disruption), NoSchedule only, no NoExecute", node.Spec.Taints)
	}
}

func TestANodeThatRenewsKeepsItsStatusAndLosesTheTaints(t *testing.T) {
	n := readyNode("back")
	n.Spec.Taints = []corev1.Taint{unreachableNoSchedule, {Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: ptr.To(metav1.NewTime(t0))},
		{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
	c, client := newTestController(t, t0, n, lease("back", t0.Add(-time.Second)))
	if err := c.syncHealth(context.Background(), "back"); err != nil && !isRequeue(err) {
		t.Fatal(err)
	}
	node, _ := client.CoreV1().Nodes().Get(context.Background(), "back", metav1.GetOptions{})
	if node.Status.Conditions[0].Status != corev1.ConditionTrue {
		t.Errorf("Ready = %s, want True kept", node.Status.Conditions[0].Status)
	}
	if len(node.Spec.Taints) != 1 || node.Spec.Taints[0].Key != "dedicated" {
		t.Errorf("taints = %v, want only the administrator's dedicated=gpu", node.Spec.Taints)
	}
}

func TestEvictionDeletesPodsThatDoNotTolerateAndWaitsForThoseThatDo(t *testing.T) {
	n := readyNode("tainted")
	n.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: ptr.To(metav1.NewTime(t0.Add(-2 * time.Second)))}}
	tolerates := corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](5)}
	c, client := newTestController(t, t0, n, boundPod("untolerating", "tainted"), boundPod("tolerating", "tainted", tolerates),
		boundPod("elsewhere", "other"))
	err := c.syncEviction(context.Background(), "tainted")
	if !isRequeue(err) {
		t.Fatalf("sync = %v, want a requeue for the tolerating pod", err)
	}
	pods, _ := client.CoreV1().Pods("ns").List(context.Background(), metav1.ListOptions{})
	left := map[string]bool{}
	for _, p := range pods.Items {
		left[p.Name] = true
	}
	if left["untolerating"] || !left["tolerating"] || !left["elsewhere"] {
		t.Errorf("pods left = %v, want tolerating and elsewhere only", left)
	}
}

// isRequeue reports whether err is a controller.RequeueAfter: the sync
// succeeded and asks to come back.
func isRequeue(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "look again in ")
}
