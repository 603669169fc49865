package nodes

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ownkube/ownkube/e2e/framework"
)

// resyncPeriod is longer than a kubelet's resync (10s): watched for that
// long, a pod has had its status computed again at least once.
const resyncPeriod = 12 * time.Second

// kubeletConditions are the pod conditions a kubelet sets.
var kubeletConditions = []corev1.PodConditionType{corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady}

var _ = Describe("Pod status", nodesLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("status")
		framework.DeletePodsAfterSpec(ns)
	})

	Context("when a pod runs and is Ready", func() {
		It("should report its node's InternalIP, its QoS class and its conditions, and keep them as they are while nothing changes", func(ctx SpecContext) {
			created := create(ctx, ns, bindToNode(framework.EchoPod("steady")))
			Expect(created.Status.QOSClass).To(Equal(corev1.PodQOSBestEffort), "a pod without requests is BestEffort")
			pod := framework.WaitForPod(ctx, ns, "steady", framework.PodStartTimeout, "Running and Ready", func(g Gomega, pod *corev1.Pod) {
				g.Expect(pod.Status.Phase).To(Equal(corev1.PodRunning), framework.DescribePod(pod))
				g.Expect(framework.IsPodReady(pod)).To(BeTrue(), framework.DescribePod(pod))
			})

			By("comparing hostIP with the InternalIP of node " + pod.Spec.NodeName)
			node, err := framework.Client().CoreV1().Nodes().Get(ctx, pod.Spec.NodeName, metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred(), "get node %s", pod.Spec.NodeName)
			ip := internalIP(node)
			Expect(ip).NotTo(BeEmpty(), "node %s has no InternalIP: %v", node.Name, node.Status.Addresses)
			Expect(pod.Status.HostIP).To(Equal(ip), "hostIP is the InternalIP of the pod's node")
			Expect(pod.Status.HostIPs).To(Equal([]corev1.HostIP{{IP: ip}}), "hostIPs")
			Expect(pod.Status.QOSClass).To(Equal(corev1.PodQOSBestEffort), "the QoS class the API server set is kept")

			By("checking that every condition and startTime were set when the pod began")
			Expect(pod.Status.StartTime).NotTo(BeNil(), "a started pod has a startTime")
			Expect(pod.Status.StartTime.Time).To(BeTemporally(">=", created.CreationTimestamp.Time), "startTime is not before the pod was created")
			for _, typ := range kubeletConditions {
				c := framework.PodCondition(pod, typ)
				Expect(c).NotTo(BeNil(), "pod steady has no condition %s: %s", typ, framework.DescribePod(pod))
				Expect(c.Status).To(Equal(corev1.ConditionTrue), "condition %s of a Ready pod", typ)
				Expect(c.LastTransitionTime.Time).To(BeTemporally(">=", created.CreationTimestamp.Time),
					"condition %s has a lastTransitionTime, not before the pod was created", typ)
				Expect(c.LastTransitionTime.Time).NotTo(BeTemporally(">", time.Now()), "condition %s's lastTransitionTime is not in the future", typ)
			}

			By("watching it over more than a resync: nothing moves while nothing changes")
			Consistently(ctx, func(g Gomega) {
				now, err := framework.Client().CoreV1().Pods(ns).Get(ctx, "steady", metav1.GetOptions{})
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(now.Status.StartTime).NotTo(BeNil(), "startTime")
				g.Expect(now.Status.StartTime.Time).To(BeTemporally("==", pod.Status.StartTime.Time), "startTime is set once")
				g.Expect(now.Status.HostIP).To(Equal(ip), "hostIP")
				g.Expect(now.Status.QOSClass).To(Equal(corev1.PodQOSBestEffort), "qosClass")
				for _, typ := range kubeletConditions {
					c := framework.PodCondition(now, typ)
					g.Expect(c).NotTo(BeNil(), "condition %s: %s", typ, framework.DescribePod(now))
					g.Expect(c.Status).To(Equal(corev1.ConditionTrue), "condition %s", typ)
					g.Expect(c.LastTransitionTime.Time).To(BeTemporally("==", framework.PodCondition(pod, typ).LastTransitionTime.Time),
						"condition %s stayed True: its lastTransitionTime must not move", typ)
				}
			}).WithTimeout(resyncPeriod).WithPolling(time.Second).Should(Succeed(), "the status of pod steady should not change while it runs Ready")
		}, SpecTimeout(specTimeout))
	})

	Context("when its container is restarted", func() {
		It("should keep the pod's startTime and the transition time of Initialized", func(ctx SpecContext) {
			w := framework.WatchPods(ctx, ns)
			create(ctx, ns, bindToNode(framework.CrasherPod("restarted", corev1.RestartPolicyAlways, "1", "200ms")))

			var first *corev1.Pod
			moved := ""
			_, last := framework.AwaitPodEvent(ctx, w, restartTimeout, "restartCount of 2 or more",
				func(_ watch.EventType, pod *corev1.Pod) bool {
					initialized := framework.PodCondition(pod, corev1.PodInitialized)
					if pod.Status.StartTime == nil || initialized == nil {
						return false
					}
					if first == nil {
						first = pod.DeepCopy()
					}
					switch {
					case !pod.Status.StartTime.Equal(first.Status.StartTime):
						moved = "startTime moved from " + first.Status.StartTime.String() + " to " + pod.Status.StartTime.String()
					case !initialized.LastTransitionTime.Equal(&framework.PodCondition(first, corev1.PodInitialized).LastTransitionTime):
						moved = "Initialized's lastTransitionTime moved to " + initialized.LastTransitionTime.String()
					}
					cs := framework.ContainerStatus(pod, "app")
					return moved != "" || cs != nil && cs.RestartCount >= 2
				})
			Expect(moved).To(BeEmpty(), "restarts of a container leave the pod's startTime and Initialized condition alone: %s", framework.DescribePod(last))
		}, SpecTimeout(specTimeout))
	})
})

// internalIP returns node's InternalIP address, or "".
func internalIP(node *corev1.Node) string {
	for _, a := range node.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	return ""
}
