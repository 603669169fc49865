package nodes

import (
	"github.com/containerd/errdefs"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

// missingImage is an image no one builds: the cluster never pulls.
const missingImage = "ownkube/does-not-exist"

var _ = Describe("Container images", nodesLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("images")
		framework.DeletePodsAfterSpec(ns)
	})

	Context("when a container's image is not on the node", func() {
		It("should leave it waiting with ErrImageNeverPull, and pull nothing", func(ctx SpecContext) {
			pod := framework.EchoPod("missing")
			pod.Spec.Containers[0].Image = missingImage
			created := create(ctx, ns, bindToNode(pod))

			neverPull := func(g Gomega, pod *corev1.Pod) {
				g.Expect(pod.Status.Phase).To(Equal(corev1.PodPending), framework.DescribePod(pod))
				cs := appStatus(g, pod)
				g.Expect(cs.State.Waiting).NotTo(BeNil(), framework.DescribePod(pod))
				g.Expect(cs.State.Waiting.Reason).To(Equal("ErrImageNeverPull"))
				g.Expect(cs.RestartCount).To(BeZero())
			}
			framework.WaitForPod(ctx, ns, "missing", framework.PodStartTimeout, "container app waiting with ErrImageNeverPull", neverPull)
			Consistently(ctx, func(g Gomega) {
				pod, err := framework.Client().CoreV1().Pods(ns).Get(ctx, "missing", metav1.GetOptions{})
				g.Expect(err).NotTo(HaveOccurred())
				neverPull(g, pod)
			}).WithTimeout(quietPeriod).WithPolling(framework.Poll).Should(Succeed(), "the pod should stay waiting with ErrImageNeverPull")

			By("finding no app container in Docker, and no image pulled")
			containers, err := framework.PodContainers(ctx, created.UID)
			Expect(err).NotTo(HaveOccurred())
			Expect(containers).NotTo(ContainElement(WithTransform(framework.ContainerName, Equal("app"))),
				"no container can be made of a missing image")
			_, err = framework.Docker().ImageInspect(ctx, missingImage)
			Expect(errdefs.IsNotFound(err)).To(BeTrue(), "image %s should still not exist: nothing is pulled; inspecting it gave %v", missingImage, err)
		}, SpecTimeout(specTimeout))
	})
})
