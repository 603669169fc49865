package scheduling

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("Pod lifecycle", schedulingLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("lifecycle")
		framework.DeletePodsAfterSpec(ns)
	})

	It("should schedule a pod, run it, serve its traffic, and leave no container once it is deleted", func(ctx SpecContext) {
		By("watching the namespace's pods before the pod exists")
		w := framework.WatchPods(ctx, ns)

		By("creating pod web, with no node")
		created := create(ctx, ns, framework.EchoPod("web"))
		Expect(created.Spec.NodeName).To(BeEmpty(), "the pod is created unscheduled")

		By("seeing it scheduled and Running through the watch")
		_, pod := framework.AwaitPodEvent(ctx, w, framework.PodStartTimeout, "pod web scheduled and Running with an IP",
			func(typ watch.EventType, pod *corev1.Pod) bool {
				return typ == watch.Modified && pod.Name == "web" && pod.Spec.NodeName != "" &&
					pod.Status.Phase == corev1.PodRunning && pod.Status.PodIP != ""
			})
		Expect(framework.Cluster().Nodes).To(ContainElement(pod.Spec.NodeName), "the pod should run on a node of the cluster")
		scheduled := framework.PodCondition(pod, corev1.PodScheduled)
		Expect(scheduled).NotTo(BeNil(), "a bound pod has condition PodScheduled: %s", framework.DescribePod(pod))
		Expect(scheduled.Status).To(Equal(corev1.ConditionTrue), "a bound pod is PodScheduled=True")

		By("asking its echo server who it is, from the cluster network")
		reply := framework.AskEcho(ctx, pod.Status.PodIP)
		Expect(reply.Pod).To(Equal("web"), "POD_NAME, from the downward API")
		Expect(reply.Namespace).To(Equal(ns), "POD_NAMESPACE, from the downward API")
		Expect(reply.Node).To(Equal(pod.Spec.NodeName), "NODE_NAME, from the downward API")

		containers, err := framework.PodContainers(ctx, pod.UID)
		Expect(err).NotTo(HaveOccurred())
		Expect(containers).To(ContainElements(
			WithTransform(framework.ContainerName, Equal(framework.SandboxName)),
			WithTransform(framework.ContainerName, Equal("app")),
		), "the running pod should have a pause container and an app container labelled with its UID")

		By("deleting it and seeing it DELETED through the watch")
		Expect(framework.Client().CoreV1().Pods(ns).Delete(ctx, "web", metav1.DeleteOptions{})).To(Succeed())
		framework.AwaitPodEvent(ctx, w, framework.PodDeleteTimeout, "DELETED of pod web",
			func(typ watch.EventType, p *corev1.Pod) bool { return typ == watch.Deleted && p.UID == pod.UID })

		By("finding no container labelled with its UID")
		Eventually(ctx, func() ([]string, error) {
			cs, err := framework.PodContainers(ctx, pod.UID)
			names := make([]string, len(cs))
			for i, c := range cs {
				names[i] = framework.ContainerName(c) + " (" + string(c.State) + ")"
			}
			return names, err
		}).WithTimeout(framework.PodDeleteTimeout).WithPolling(framework.Poll).Should(BeEmpty(),
			"waiting for every container of pod UID %s to be removed", pod.UID)
	}, SpecTimeout(specTimeout))
})
