package nodes

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/docker/docker/api/types/container"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

// Timeouts of the node specs.
const (
	// kubeletRestartTimeout bounds a node container's restart and its
	// kubelet's way back to renewing the Lease.
	kubeletRestartTimeout = 60 * time.Second
	// adoptionPeriod is how long a restarted kubelet is watched leaving
	// its pods alone: longer than its resync (10s), so that every pod has
	// been synced at least once.
	adoptionPeriod = 12 * time.Second
)

var _ = Describe("Nodes", nodesLabels, func() {
	It("should register every node Ready, with its capacity", func(ctx SpecContext) {
		for _, name := range framework.Cluster().Nodes {
			Eventually(ctx, func(g Gomega) {
				node, err := framework.Client().CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
				g.Expect(err).NotTo(HaveOccurred())
				framework.StopIfNodeNotImplemented(ctx, node, "kubelet", "node "+name+" to be registered Ready")
				g.Expect(node.Labels).To(HaveKeyWithValue(corev1.LabelHostname, name))
				ready := nodeCondition(node, corev1.NodeReady)
				g.Expect(ready).NotTo(BeNil(), "node %s has no Ready condition", name)
				g.Expect(ready.Status).To(Equal(corev1.ConditionTrue), "node %s: Ready is %s: %s", name, ready.Reason, ready.Message)
				for what, list := range map[string]corev1.ResourceList{"capacity": node.Status.Capacity, "allocatable": node.Status.Allocatable} {
					expectQuantity(g, list, corev1.ResourceCPU, framework.NodeCPU, name, what)
					expectQuantity(g, list, corev1.ResourceMemory, framework.NodeMemory, name, what)
					g.Expect(list).To(HaveKey(corev1.ResourcePods), "node %s's %s", name, what)
				}
			}).WithTimeout(heartbeatTimeout).WithPolling(framework.Poll).Should(Succeed(),
				"waiting for node %s to be registered Ready with cpu %s and memory %s", name, framework.NodeCPU, framework.NodeMemory)
		}
	}, SpecTimeout(specTimeout))

	It("should renew every node's Lease in kube-node-lease", func(ctx SpecContext) {
		first := map[string]time.Time{}
		for _, name := range framework.Cluster().Nodes {
			lease := nodeLease(ctx, name)
			Expect(lease.Spec.HolderIdentity).To(HaveValue(Equal(name)), "the Lease of node %s is held by it", name)
			Expect(lease.Spec.RenewTime).NotTo(BeNil(), "the Lease of node %s has been renewed", name)
			first[name] = lease.Spec.RenewTime.Time
		}
		for _, name := range framework.Cluster().Nodes {
			Eventually(ctx, func() time.Time {
				if msg := framework.NodeEventNotImplemented(ctx, name, "kubelet"); msg != "" {
					StopTrying("stopped waiting for node " + name + " to renew its Lease: " + msg).Now()
				}
				return renewTime(nodeLease(ctx, name))
			}).WithTimeout(heartbeatTimeout).WithPolling(500*time.Millisecond).Should(BeTemporally(">", first[name]),
				"waiting for node %s's kubelet to renew its Lease after %s", name, first[name])
		}
	}, SpecTimeout(specTimeout))

	Context("when a node's kubelet restarts", Serial, func() {
		var ns string

		BeforeEach(func() {
			ns = framework.NewNamespace("adopt")
			framework.DeletePodsAfterSpec(ns)
		})

		It("should adopt its running pods: the same containers, the same restart count, still serving", func(ctx SpecContext) {
			By("running pod steady")
			create(ctx, ns, bindToNode(framework.EchoPod("steady")))
			pod := framework.WaitForPod(ctx, ns, "steady", framework.PodStartTimeout, "Running and Ready", func(g Gomega, pod *corev1.Pod) {
				g.Expect(pod.Status.Phase).To(Equal(corev1.PodRunning), framework.DescribePod(pod))
				g.Expect(framework.IsPodReady(pod)).To(BeTrue(), framework.DescribePod(pod))
			})
			Expect(framework.AskEcho(ctx, pod.Status.PodIP).Pod).To(Equal("steady"))
			before, err := podContainers(ctx, pod.UID)
			Expect(err).NotTo(HaveOccurred())
			Expect(before).To(ContainElements(HavePrefix(framework.SandboxName+" "), HavePrefix("app ")),
				"pod steady should have a pause container and an app container")
			app := *framework.ContainerStatus(pod, "app")

			node := pod.Spec.NodeName
			nodeContainer, err := framework.NodeContainer(ctx, node)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(ensureRunning, nodeContainer.ID, NodeTimeout(kubeletRestartTimeout))

			By("restarting the container of node " + node)
			restarted := time.Now()
			Expect(framework.Docker().ContainerRestart(ctx, nodeContainer.ID, container.StopOptions{Timeout: ptr.To(10)})).To(Succeed(),
				"docker restart %s", nodeContainer.Names)
			Eventually(ctx, func() time.Time {
				if msg := framework.NodeEventNotImplemented(ctx, node, "kubelet"); msg != "" {
					StopTrying("stopped waiting for node " + node + " to renew its Lease: " + msg).Now()
				}
				return renewTime(nodeLease(ctx, node))
			}).WithTimeout(kubeletRestartTimeout).WithPolling(500*time.Millisecond).Should(BeTemporally(">", restarted),
				"waiting for the restarted kubelet of node %s to renew its Lease", node)

			By("checking, over more than a resync, that the pod's containers are left as they were")
			Consistently(ctx, func(g Gomega) {
				g.Expect(podContainers(ctx, pod.UID)).To(Equal(before), "the pod's containers (name, ID, state) in Docker")
				now, err := framework.Client().CoreV1().Pods(ns).Get(ctx, "steady", metav1.GetOptions{})
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(now.UID).To(Equal(pod.UID))
				g.Expect(now.Status.Phase).To(Equal(corev1.PodRunning), framework.DescribePod(now))
				cs := appStatus(g, now)
				g.Expect(cs.ContainerID).To(Equal(app.ContainerID), "the app container's ID in the pod's status")
				g.Expect(cs.RestartCount).To(Equal(app.RestartCount), "the app container's restart count")
			}).WithTimeout(adoptionPeriod).WithPolling(time.Second).Should(Succeed(),
				"the restarted kubelet should adopt pod steady as it runs")
			Expect(framework.AskEcho(ctx, pod.Status.PodIP).Pod).To(Equal("steady"), "the adopted pod still answers")
		}, SpecTimeout(specTimeout))
	})
})

// nodeLease gets the Lease of node in kube-node-lease.
func nodeLease(ctx context.Context, node string) *coordinationv1.Lease {
	GinkgoHelper()
	lease, err := framework.Client().CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		Expect(framework.NodeEventNotImplemented(ctx, node, "kubelet")).To(BeEmpty(), "the Lease of node %s: a learner's function is a stub", node)
	}
	Expect(err).NotTo(HaveOccurred(), "get the Lease of node %s", node)
	return lease
}

func renewTime(lease *coordinationv1.Lease) time.Time {
	if lease.Spec.RenewTime == nil {
		return time.Time{}
	}
	return lease.Spec.RenewTime.Time
}

func nodeCondition(node *corev1.Node, typ corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == typ {
			return &node.Status.Conditions[i]
		}
	}
	return nil
}

// expectQuantity checks that list holds want of resource name.
func expectQuantity(g Gomega, list corev1.ResourceList, name corev1.ResourceName, want, node, what string) {
	got, ok := list[name]
	g.Expect(ok).To(BeTrue(), "node %s's %s has no %s: %v", node, what, name, list)
	g.Expect(got.Cmp(resource.MustParse(want))).To(BeZero(), "node %s's %s of %s is %s, want %s", node, what, name, got.String(), want)
}

// podContainers describes the pod's containers in Docker, one "name ID
// state" each, sorted.
func podContainers(ctx context.Context, uid types.UID) ([]string, error) {
	cs, err := framework.PodContainers(ctx, uid)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("%s %s %s", framework.ContainerName(c), c.ID, c.State)
	}
	slices.Sort(out)
	return out, nil
}

// ensureRunning starts the node container id again if a failed spec left
// it stopped, so the specs after it find the node as it was.
func ensureRunning(ctx SpecContext, id string) {
	in, err := framework.Docker().ContainerInspect(ctx, id)
	Expect(err).NotTo(HaveOccurred(), "inspect node container %.12s", id)
	if in.State == nil || !in.State.Running {
		Expect(framework.Docker().ContainerStart(ctx, id, container.StartOptions{})).To(Succeed(), "start node container %.12s again", id)
	}
}
