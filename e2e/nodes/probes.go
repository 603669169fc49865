package nodes

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("Container probes", nodesLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("probes")
		framework.DeletePodsAfterSpec(ns)
	})

	Context("when a readiness probe fails at first", func() {
		It("should keep the pod not Ready until the probe passes, then make it Ready", func(ctx SpecContext) {
			w := framework.WatchPods(ctx, ns)
			By("running an echo server whose /readyz answers 503 for its first 3s")
			pod := framework.EchoPod("slow", corev1.EnvVar{Name: "READY_AFTER", Value: "3s"})
			pod.Spec.Containers[0].ReadinessProbe = httpProbe("/readyz", 1)
			create(ctx, ns, bindToNode(pod))

			By("seeing it Running but not Ready")
			framework.AwaitPodEvent(ctx, w, framework.PodStartTimeout, "pod slow Running with its container running, not Ready",
				func(_ watch.EventType, pod *corev1.Pod) bool {
					cs := framework.ContainerStatus(pod, "app")
					return pod.Status.Phase == corev1.PodRunning && cs != nil && cs.State.Running != nil && !cs.Ready && !framework.IsPodReady(pod)
				})

			By("seeing it Ready once the probe passes")
			_, ready := framework.AwaitPodEvent(ctx, w, framework.PodStartTimeout, "pod slow Ready",
				func(_ watch.EventType, pod *corev1.Pod) bool { return framework.IsPodReady(pod) })
			cs := framework.ContainerStatus(ready, "app")
			Expect(cs.Ready).To(BeTrue(), "a Ready pod's container is ready: %s", framework.DescribePod(ready))
			Expect(cs.RestartCount).To(BeZero(), "a failing readiness probe restarts nothing")
			// Both times are cut to whole seconds: 3s apart become at least 2.
			became := framework.PodCondition(ready, corev1.PodReady).LastTransitionTime.Time
			Expect(became.Sub(cs.State.Running.StartedAt.Time)).To(BeNumerically(">=", 2*time.Second),
				"the pod should become Ready only once READY_AFTER=3s has passed since its container started")
		}, SpecTimeout(specTimeout))
	})

	Context("when a liveness probe fails", func() {
		It("should restart the container, again and again, in the same pod", func(ctx SpecContext) {
			By("running an echo server whose /healthz fails after 2s")
			pod := framework.EchoPod("unhealthy", corev1.EnvVar{Name: "FAIL_LIVENESS_AFTER", Value: "2s"})
			pod.Spec.Containers[0].LivenessProbe = httpProbe("/healthz", 1)
			created := create(ctx, ns, bindToNode(pod))
			first := waitRunning(ctx, ns, "unhealthy")

			By("waiting for the container to be restarted twice")
			again := framework.WaitForPod(ctx, ns, "unhealthy", restartTimeout, "restartCount of 2 or more",
				func(g Gomega, pod *corev1.Pod) {
					g.Expect(appStatus(g, pod).RestartCount).To(BeNumerically(">=", 2), framework.DescribePod(pod))
				})
			Expect(again.UID).To(Equal(created.UID), "the pod itself stays; only its container is restarted")
			Expect(again.Status.Phase).To(Equal(corev1.PodRunning), framework.DescribePod(again))
			Expect(again.Status.PodIP).To(Equal(first.Status.PodIP), "the pod keeps its sandbox, and so its IP")
		}, SpecTimeout(specTimeout))
	})
})

// httpProbe GETs path on the echo server's port every periodSeconds and
// fails at the first failure.
func httpProbe(path string, periodSeconds int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromInt32(framework.EchoPort)}},
		PeriodSeconds:    periodSeconds,
		FailureThreshold: 1,
		TimeoutSeconds:   1,
	}
}
