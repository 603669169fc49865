package controllers

import (
	"context"
	"time"

	"github.com/docker/docker/api/types/container"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("A node partition", nodeLifecycleLabels, Label("faults", "disruptive"), Serial, func() {
	It("should have its pods replaced while its kubelet is cut off, and the returning kubelet remove the old ones", func(ctx SpecContext) {
		waitClusterHealthy(ctx)
		ns := framework.NewNamespace("partition")
		framework.DeletePodsAfterSpec(ns)
		lost := lastNode()
		others := otherNodes(lost)

		By("running a ReplicaSet of two pods on node " + lost + ", the other nodes cordoned meanwhile")
		for _, n := range others {
			setUnschedulable(ctx, n, true)
		}
		rs := createReplicaSet(ctx, ns, "cut-off", 2)
		oldPods := placeReplicaSetOn(ctx, rs, lost)
		for _, n := range others {
			setUnschedulable(ctx, n, false)
		}

		By("cutting node " + lost + " off the cluster network")
		heal, err := framework.Partition(ctx, lost)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx SpecContext) {
			if err := heal(ctx); err != nil {
				GinkgoWriter.Printf("heal the partition: %v\n", err)
			}
			waitClusterHealthy(ctx)
		}, NodeTimeout(nodeTimeout+30*time.Second))

		By("waiting for the node to go Unknown and tainted, and its pods to be replaced on the other nodes")
		waitForNode(ctx, lost, nodeTimeout, "Ready=Unknown and tainted unreachable", func(g Gomega, n *corev1.Node) {
			ready := nodeCondition(n, corev1.NodeReady)
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Status).To(Equal(corev1.ConditionUnknown), "Ready is %s (%s)", ready.Status, ready.Reason)
			g.Expect(hasTaint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute)).To(BeTrue(), "taints: %v", n.Spec.Taints)
		})
		newPods := waitReplicaSetOn(ctx, rs, others)

		By("seeing the old pods' containers run on meanwhile, their kubelet not told to stop them")
		for _, p := range oldPods {
			expectAppRunning(ctx, p.UID, "pod %s on the partitioned node", p.Name)
		}

		By("healing the partition")
		Expect(heal(ctx)).To(Succeed())
		waitForNode(ctx, lost, nodeTimeout, "Ready again, without the taints", expectReadyAndUntainted)

		By("seeing the returning kubelet finish the old pods and remove their containers")
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
			"waiting for the returned kubelet to finish the ReplicaSet's old pods")

		By("seeing the replacements kept, each running once")
		kept := waitReplicaSetOn(ctx, rs, others)
		Expect(podUIDs(kept)).To(Equal(podUIDs(newPods)), "the replacements made during the partition should be the ones kept")
		for _, p := range kept {
			expectAppRunning(ctx, p.UID, "replacement pod %s", p.Name)
		}
	}, SpecTimeout(disruptiveTimeout))
})

// expectAppRunning checks the pod with uid runs one sandbox and one app
// container.
func expectAppRunning(ctx context.Context, uid types.UID, what string, args ...any) {
	GinkgoHelper()
	ctrs, err := framework.PodContainers(ctx, uid)
	Expect(err).NotTo(HaveOccurred())
	running := map[string]int{}
	for _, c := range ctrs {
		if c.State == container.StateRunning {
			running[framework.ContainerName(c)]++
		}
	}
	Expect(running).To(Equal(map[string]int{framework.SandboxName: 1, "app": 1}),
		append([]any{what + ": one sandbox and one app container should run"}, args...)...)
}

func podUIDs(pods []corev1.Pod) map[string]types.UID {
	out := map[string]types.UID{}
	for _, p := range pods {
		out[p.Name] = p.UID
	}
	return out
}
