package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

const (
	// specTimeout bounds a spec that runs a few pods.
	specTimeout = 3 * time.Minute
	// disruptiveTimeout bounds a spec that stops and restarts a node or a
	// control-plane container, and waits for the cluster to heal.
	disruptiveTimeout = 5 * time.Minute
	// nodeTimeout bounds a node's noticed loss or return: the grace period,
	// a monitor period or two, and a loaded machine's delays.
	nodeTimeout = framework.NodeMonitorGracePeriod + time.Minute
	// evictionTimeout bounds an eviction after the node was tainted: the
	// toleration, and a loaded machine's delays.
	evictionTimeout = framework.TolerationSeconds*time.Second + time.Minute
)

// create creates pod in namespace ns.
func create(ctx context.Context, ns string, pod *corev1.Pod) *corev1.Pod {
	GinkgoHelper()
	created, err := framework.Client().CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create pod %s/%s", ns, pod.Name)
	return created
}

// waitRunning waits until pod ns/name is bound and Running.
func waitRunning(ctx context.Context, ns, name string) *corev1.Pod {
	GinkgoHelper()
	return framework.WaitForPod(ctx, ns, name, framework.PodStartTimeout, "bound and Running",
		func(g Gomega, pod *corev1.Pod) {
			g.Expect(pod.Spec.NodeName).NotTo(BeEmpty(), "not scheduled: %s", framework.DescribePod(pod))
			g.Expect(pod.Status.Phase).To(Equal(corev1.PodRunning), framework.DescribePod(pod))
		})
}

// waitForNode gets node name until check passes, and returns it.
func waitForNode(ctx context.Context, name string, timeout time.Duration, awaited string, check func(g Gomega, node *corev1.Node)) *corev1.Node {
	GinkgoHelper()
	var node *corev1.Node
	Eventually(ctx, func(g Gomega) {
		n, err := framework.Client().CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		framework.StopIfNodeNotImplemented(ctx, n, "", "node "+name+": "+awaited)
		check(g, n)
		node = n
	}).WithTimeout(timeout).WithPolling(framework.Poll).Should(Succeed(), "waiting for node %s: %s", name, awaited)
	return node
}

// nodeCondition is node's condition of type typ, or nil.
func nodeCondition(node *corev1.Node, typ corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == typ {
			return &node.Status.Conditions[i]
		}
	}
	return nil
}

// expectReadyAndUntainted checks that node reports Ready=True and carries
// none of the node lifecycle controller's taints.
func expectReadyAndUntainted(g Gomega, node *corev1.Node) {
	ready := nodeCondition(node, corev1.NodeReady)
	g.Expect(ready).NotTo(BeNil(), "node %s has no Ready condition", node.Name)
	g.Expect(ready.Status).To(Equal(corev1.ConditionTrue), "node %s: Ready is %s (%s)", node.Name, ready.Status, ready.Reason)
	for _, t := range node.Spec.Taints {
		g.Expect(t.Key).NotTo(BeElementOf(corev1.TaintNodeUnreachable, corev1.TaintNodeNotReady),
			"node %s still carries taint %s", node.Name, t.ToString())
	}
}

// waitClusterHealthy waits until every node of the suite is Ready and untainted.
func waitClusterHealthy(ctx context.Context) {
	GinkgoHelper()
	for _, n := range framework.Cluster().Nodes {
		waitForNode(ctx, n, nodeTimeout, "Ready, without the unreachable or not-ready taints", expectReadyAndUntainted)
	}
}

// hasTaint reports whether node carries a taint of key and effect.
func hasTaint(node *corev1.Node, key string, effect corev1.TaintEffect) bool {
	return slices.ContainsFunc(node.Spec.Taints, func(t corev1.Taint) bool { return t.Key == key && t.Effect == effect })
}

// lastNode is the suite's node that disruptive specs stop: the last by name.
func lastNode() string {
	GinkgoHelper()
	names := slices.Clone(framework.Cluster().Nodes)
	slices.Sort(names)
	Expect(len(names)).To(BeNumerically(">=", 2), "these specs need two nodes or more; the cluster has %v", names)
	return names[len(names)-1]
}

// expectEvent waits for an event of reason about the object of kind and
// name in namespace ns.
func expectEvent(ctx context.Context, ns, kind, name, reason string) {
	GinkgoHelper()
	Eventually(ctx, func(g Gomega) {
		framework.StopIfNotImplemented(ctx, ns, "a "+reason+" event about "+kind+" "+name)
		events, err := framework.Client().CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(events.Items).To(ContainElement(And(
			HaveField("InvolvedObject.Kind", kind),
			HaveField("InvolvedObject.Name", name),
			HaveField("Reason", reason),
		)))
	}).WithTimeout(30*time.Second).WithPolling(framework.Poll).Should(Succeed(),
		"waiting for an event %s about %s %s/%s", reason, kind, ns, name)
}

// containerStopGraceful stops a container with SIGTERM and ten seconds to
// exit, so a leader releases its Lease.
func containerStopGraceful() container.StopOptions {
	return container.StopOptions{Timeout: ptr.To(10)}
}

// otherNodes are the suite's nodes but node.
func otherNodes(node string) []string {
	return slices.DeleteFunc(slices.Clone(framework.Cluster().Nodes), func(n string) bool { return n == node })
}

// setUnschedulable cordons node (or uncordons it), as kubectl cordon does;
// an uncordon is also done after the spec, whatever happens.
func setUnschedulable(ctx context.Context, node string, unschedulable bool) {
	GinkgoHelper()
	patch := []byte(fmt.Sprintf(`{"spec":{"unschedulable":%t}}`, unschedulable))
	_, err := framework.Client().CoreV1().Nodes().Patch(ctx, node, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	Expect(err).NotTo(HaveOccurred(), "set node %s unschedulable=%t", node, unschedulable)
	if unschedulable {
		DeferCleanup(func(ctx SpecContext) {
			_, err := framework.Client().CoreV1().Nodes().Patch(ctx, node, types.StrategicMergePatchType,
				[]byte(`{"spec":{"unschedulable":false}}`), metav1.PatchOptions{})
			Expect(err).NotTo(HaveOccurred(), "uncordon node %s", node)
		})
	}
}

// createReplicaSet creates a ReplicaSet of replicas echo pods, deleted
// after the spec before its pods are.
func createReplicaSet(ctx context.Context, ns, name string, replicas int32) *appsv1.ReplicaSet {
	GinkgoHelper()
	pod := framework.EchoPod(name)
	sets := framework.Client().AppsV1().ReplicaSets(ns)
	rs, err := sets.Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To(replicas), Selector: &metav1.LabelSelector{MatchLabels: pod.Labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: pod.Labels}, Spec: pod.Spec}},
	}, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create replicaset %s/%s", ns, name)
	DeferCleanup(func(ctx SpecContext) {
		err := sets.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationForeground)})
		if !apierrors.IsNotFound(err) {
			Expect(err).NotTo(HaveOccurred(), "delete replicaset %s/%s", ns, name)
		}
	})
	return rs
}

// waitReplicaSetOn waits until rs has its replicas Ready, not being
// deleted, all on nodes among nodes, and returns them.
func waitReplicaSetOn(ctx context.Context, rs *appsv1.ReplicaSet, nodes []string) []corev1.Pod {
	GinkgoHelper()
	var pods []corev1.Pod
	Eventually(ctx, func(g Gomega) {
		framework.StopIfNotImplemented(ctx, rs.Namespace, "replicaset "+rs.Namespace+"/"+rs.Name+" to have its pods on "+strings.Join(nodes, ", "))
		sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
		g.Expect(err).NotTo(HaveOccurred())
		list, err := framework.Client().CoreV1().Pods(rs.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
		g.Expect(err).NotTo(HaveOccurred())
		pods = slices.DeleteFunc(list.Items, func(p corev1.Pod) bool { return p.DeletionTimestamp != nil })
		g.Expect(pods).To(HaveLen(int(*rs.Spec.Replicas)), "live pods: %v", podNodes(pods))
		for _, p := range pods {
			g.Expect(nodes).To(ContainElement(p.Spec.NodeName), "pod %s on %q", p.Name, p.Spec.NodeName)
			g.Expect(framework.IsPodReady(&p)).To(BeTrue(), framework.DescribePod(&p))
		}
	}).WithTimeout(evictionTimeout).WithPolling(framework.Poll).Should(Succeed(),
		"waiting for replicaset %s/%s to have %d Ready pods on %v", rs.Namespace, rs.Name, *rs.Spec.Replicas, nodes)
	return pods
}

func podNodes(pods []corev1.Pod) map[string]string {
	out := map[string]string{}
	for _, p := range pods {
		out[p.Name] = p.Spec.NodeName
	}
	return out
}

// getDeleter is what deleteInForegroundAfterSpec needs of a typed client.
type getDeleter[T any] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// deleteInForegroundAfterSpec deletes the kind's object ns/name after the
// spec, before its pods are: in the foreground, and waits until it is gone,
// so it is gone only once its pods are.
func deleteInForegroundAfterSpec[T any](client getDeleter[T], kind, ns, name string) {
	DeferCleanup(func(ctx SpecContext) {
		err := client.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationForeground)})
		if !apierrors.IsNotFound(err) {
			Expect(err).NotTo(HaveOccurred(), "delete %s %s/%s", kind, ns, name)
		}
		Eventually(ctx, func() error {
			framework.ReleasePodsOfStub(ctx, ns)
			_, err := client.Get(ctx, name, metav1.GetOptions{})
			return err
		}).WithTimeout(framework.PodDeleteTimeout).WithPolling(framework.Poll).Should(Satisfy(apierrors.IsNotFound),
			"waiting for %s %s/%s and its pods to be deleted", kind, ns, name)
	}, NodeTimeout(framework.PodDeleteTimeout+10*time.Second))
}
