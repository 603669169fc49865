package controllers

import (
	"context"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

var nodeLifecycleLabels = Label("stage6", "nodelifecycle")

// The API server's admission gives these tolerations (given code); the
// learner's code on their path is the store alone (label store-only).
var _ = Describe("Default toleration seconds", nodeLifecycleLabels, Label("store-only"), func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("tolerations")
		framework.DeletePodsAfterSpec(ns)
	})

	Context("when a pod has no toleration of its own for lost nodes", func() {
		It("should be given the not-ready and unreachable NoExecute tolerations for the API server's seconds", func(ctx SpecContext) {
			pod := create(ctx, ns, framework.EchoPod("plain"))
			for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
				Expect(pod.Spec.Tolerations).To(ContainElement(corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists,
					Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](framework.TolerationSeconds)}),
					"the created pod's tolerations should include %s", key)
			}
		}, SpecTimeout(specTimeout))
	})

	Context("when a pod tolerates a node being unreachable for ever", func() {
		It("should keep its own toleration and be given only the not-ready one", func(ctx SpecContext) {
			own := corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}
			p := framework.EchoPod("own")
			p.Spec.Tolerations = []corev1.Toleration{own}
			pod := create(ctx, ns, p)
			Expect(pod.Spec.Tolerations).To(ConsistOf(own, corev1.Toleration{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists,
				Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](framework.TolerationSeconds)}))
		}, SpecTimeout(specTimeout))
	})
})

var _ = Describe("Node lifecycle", nodeLifecycleLabels, Label("disruptive"), Serial, func() {
	var ns, lost string

	BeforeEach(func(ctx SpecContext) {
		waitClusterHealthy(ctx)
		ns = framework.NewNamespace("nodeloss")
		framework.DeletePodsAfterSpec(ns)
		lost = lastNode()
		// Whatever happens in the spec, the node comes back, and the next
		// spec sees every node Ready and untainted.
		DeferCleanup(func(ctx SpecContext) {
			if err := framework.StartNode(ctx, lost); err != nil {
				GinkgoWriter.Printf("start node %s again: %v\n", lost, err)
			}
			waitClusterHealthy(ctx)
		}, NodeTimeout(nodeTimeout+30*time.Second))
	})

	Context("when a node stops renewing its Lease", func() {
		It("should mark it Unknown and tainted, evict its pods after their tolerations, and take it back clean", func(ctx SpecContext) {
			By("running, on node " + lost + ", a pod with the default tolerations and one that tolerates unreachable for ever")
			evicted := framework.EchoPod("evicted")
			evicted.Spec.NodeName = lost
			create(ctx, ns, evicted)
			stays := framework.EchoPod("stays")
			stays.Spec.NodeName = lost
			stays.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}
			create(ctx, ns, stays)
			evictedUID := waitRunning(ctx, ns, "evicted").UID
			staysUID := waitRunning(ctx, ns, "stays").UID

			By("running a ReplicaSet of two pods on node " + lost + ", the other nodes cordoned meanwhile")
			others := otherNodes(lost)
			for _, n := range others {
				setUnschedulable(ctx, n, true)
			}
			rs := createReplicaSet(ctx, ns, "replaced", 2)
			oldPods := placeReplicaSetOn(ctx, rs, lost)
			for _, n := range others {
				setUnschedulable(ctx, n, false)
			}

			By("stopping the node's container and its pods' containers, as a dead machine loses them")
			stoppedAt := time.Now()
			Expect(framework.StopNode(ctx, lost)).To(Succeed())

			By("waiting for the node to go Unknown, tainted unreachable NoExecute and NoSchedule")
			node := waitForNode(ctx, lost, nodeTimeout, "Ready=Unknown (NodeStatusUnknown) and the unreachable taints", func(g Gomega, n *corev1.Node) {
				ready := nodeCondition(n, corev1.NodeReady)
				g.Expect(ready).NotTo(BeNil())
				g.Expect(ready.Status).To(Equal(corev1.ConditionUnknown), "Ready is %s (%s)", ready.Status, ready.Reason)
				g.Expect(ready.Reason).To(Equal("NodeStatusUnknown"))
				g.Expect(hasTaint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute)).To(BeTrue(), "taints: %v", n.Spec.Taints)
				g.Expect(hasTaint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoSchedule)).To(BeTrue(), "taints: %v", n.Spec.Taints)
			})
			lease, err := framework.Client().CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, lost, metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred())
			renewed := lease.Spec.RenewTime.Time
			Expect(renewed).To(BeTemporally("<", stoppedAt.Add(time.Second)), "the Lease is not renewed once the node is stopped")
			marked := nodeCondition(node, corev1.NodeReady).LastTransitionTime.Time
			Expect(marked.Sub(renewed)).To(BeNumerically(">=", framework.NodeMonitorGracePeriod-time.Second),
				"marked Unknown at %s, last renewal at %s: not before the grace period (%s) has passed", marked, renewed, framework.NodeMonitorGracePeriod)
			var tainted time.Time
			for _, t := range node.Spec.Taints {
				if t.Key == corev1.TaintNodeUnreachable && t.Effect == corev1.TaintEffectNoExecute {
					Expect(t.TimeAdded).NotTo(BeNil(), "a NoExecute taint carries the time it was added")
					tainted = t.TimeAdded.Time
				}
			}
			expectEvent(ctx, metav1.NamespaceDefault, "Node", lost, "NodeNotReady")

			By("seeing its pods marked not Ready")
			framework.WaitForPod(ctx, ns, "stays", nodeTimeout, "Ready=False: its node is gone", func(g Gomega, pod *corev1.Pod) {
				g.Expect(framework.IsPodReady(pod)).To(BeFalse(), framework.DescribePod(pod))
			})

			By("waiting for the pod with the default tolerations to be evicted after them, not at once")
			pod := framework.WaitForPod(ctx, ns, "evicted", evictionTimeout, "deleted by the taint eviction", func(g Gomega, pod *corev1.Pod) {
				g.Expect(pod.DeletionTimestamp).NotTo(BeNil(), framework.DescribePod(pod))
			})
			deletedAt := pod.DeletionTimestamp.Add(-time.Duration(ptr.Deref(pod.DeletionGracePeriodSeconds, 0)) * time.Second)
			Expect(deletedAt.Sub(tainted)).To(BeNumerically(">=", (framework.TolerationSeconds-1)*time.Second),
				"evicted at %s, the taint was added at %s: a pod tolerating it for %ds must stay that long", deletedAt, tainted, framework.TolerationSeconds)
			expectEvent(ctx, ns, "Pod", "evicted", "TaintManagerEviction")

			By("seeing the ReplicaSet's pods replaced on the other nodes")
			waitReplicaSetOn(ctx, rs, others)

			By("seeing the pod that tolerates unreachable for ever stay")
			Consistently(ctx, func(g Gomega) {
				pod, err := framework.Client().CoreV1().Pods(ns).Get(ctx, "stays", metav1.GetOptions{})
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(pod.DeletionTimestamp).To(BeNil(), "a pod that tolerates the taint for ever should not be evicted")
			}).WithTimeout(3 * time.Second).WithPolling(framework.Poll).Should(Succeed())

			By("starting the node again")
			Expect(framework.StartNode(ctx, lost)).To(Succeed())
			waitForNode(ctx, lost, nodeTimeout, "Ready again, without the taints", expectReadyAndUntainted)

			By("seeing the evicted pod's containers removed and the pod gone")
			Eventually(ctx, func(g Gomega) {
				framework.StopIfNotImplemented(ctx, ns, "pod evicted to be gone")
				_, err := framework.Client().CoreV1().Pods(ns).Get(ctx, "evicted", metav1.GetOptions{})
				g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "pod evicted should be gone, got %v", err)
				ctrs, err := framework.PodContainers(ctx, evictedUID)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(ctrs).To(BeEmpty(), "the evicted pod's containers should be removed")
			}).WithTimeout(framework.PodDeleteTimeout).WithPolling(framework.Poll).Should(Succeed(),
				"waiting for the returned node's kubelet to finish the evicted pod")

			By("seeing the ReplicaSet's old pods finished and their containers removed, its new pods kept")
			Eventually(ctx, func(g Gomega) {
				framework.StopIfNotImplemented(ctx, ns, "the old pods of the ReplicaSet to finish")
				for _, p := range oldPods {
					_, err := framework.Client().CoreV1().Pods(ns).Get(ctx, p.Name, metav1.GetOptions{})
					g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "old pod %s should be gone, got %v", p.Name, err)
					ctrs, err := framework.PodContainers(ctx, p.UID)
					g.Expect(err).NotTo(HaveOccurred())
					g.Expect(ctrs).To(BeEmpty(), "the old pod %s's containers should be removed", p.Name)
				}
			}).WithTimeout(framework.PodDeleteTimeout).WithPolling(framework.Poll).Should(Succeed(),
				"waiting for the returned node's kubelet to finish the ReplicaSet's old pods")
			waitReplicaSetOn(ctx, rs, others)

			By("seeing the pod that stayed run again, once")
			waitRunning(ctx, ns, "stays")
			Eventually(ctx, func(g Gomega) {
				ctrs, err := framework.PodContainers(ctx, staysUID)
				g.Expect(err).NotTo(HaveOccurred())
				running := map[string]int{}
				for _, c := range ctrs {
					if c.State == "running" {
						running[framework.ContainerName(c)]++
					}
				}
				g.Expect(running).To(Equal(map[string]int{framework.SandboxName: 1, "app": 1}),
					"one sandbox and one app container should run for the pod, no more")
				pod, err := framework.Client().CoreV1().Pods(ns).Get(ctx, "stays", metav1.GetOptions{})
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(framework.IsPodReady(pod)).To(BeTrue(), framework.DescribePod(pod))
			}).WithTimeout(framework.PodStartTimeout).WithPolling(framework.Poll).Should(Succeed(),
				"waiting for the pod that stayed to run again, with one sandbox and one app container")
		}, SpecTimeout(disruptiveTimeout))
	})
})

// placeReplicaSetOn waits for rs to have all its pods Ready on node, the
// other nodes being cordoned. The scheduler learns of a cordon through its
// watch, a moment after the API has it: a pod it placed elsewhere in that
// moment is deleted, so the ReplicaSet makes it again and the scheduler,
// knowing now, places it on node.
func placeReplicaSetOn(ctx context.Context, rs *appsv1.ReplicaSet, node string) []corev1.Pod {
	GinkgoHelper()
	pods := framework.Client().CoreV1().Pods(rs.Namespace)
	var live []corev1.Pod
	Eventually(ctx, func(g Gomega) {
		framework.StopIfNotImplemented(ctx, rs.Namespace, "replicaset "+rs.Namespace+"/"+rs.Name+" to have its pods on "+node)
		list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(rs.Spec.Selector.MatchLabels).String()})
		g.Expect(err).NotTo(HaveOccurred())
		live = slices.DeleteFunc(list.Items, func(p corev1.Pod) bool { return p.DeletionTimestamp != nil })
		for _, p := range live {
			if p.Spec.NodeName != "" && p.Spec.NodeName != node {
				GinkgoWriter.Printf("pod %s was placed on %s, before the scheduler saw the cordon: deleting it\n", p.Name, p.Spec.NodeName)
				if err := pods.Delete(ctx, p.Name, metav1.DeleteOptions{}); !apierrors.IsNotFound(err) {
					g.Expect(err).NotTo(HaveOccurred(), "delete pod %s", p.Name)
				}
			}
		}
		g.Expect(live).To(HaveLen(int(*rs.Spec.Replicas)), "live pods: %v", podNodes(live))
		for _, p := range live {
			g.Expect(p.Spec.NodeName).To(Equal(node), "pod %s", p.Name)
			g.Expect(framework.IsPodReady(&p)).To(BeTrue(), framework.DescribePod(&p))
		}
	}).WithTimeout(evictionTimeout).WithPolling(framework.Poll).Should(Succeed(),
		"waiting for replicaset %s/%s to have %d Ready pods on %s", rs.Namespace, rs.Name, *rs.Spec.Replicas, node)
	return live
}
