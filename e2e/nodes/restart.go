package nodes

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("Restart policy", nodesLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("restart")
		framework.DeletePodsAfterSpec(ns)
	})

	Context("when it is Always and the container keeps failing", func() {
		It("should restart it with a growing restart count, backing off in CrashLoopBackOff", func(ctx SpecContext) {
			w := framework.WatchPods(ctx, ns)
			By("running a container that exits 1 after 200ms")
			create(ctx, ns, bindToNode(framework.CrasherPod("crasher", corev1.RestartPolicyAlways, "1", "200ms")))

			By("watching it restart and back off")
			var (
				restarts  int32
				decreased bool
				backOff   *corev1.ContainerStatus
			)
			_, pod := framework.AwaitPodEvent(ctx, w, restartTimeout, "restartCount of 2 or more, and CrashLoopBackOff seen",
				func(_ watch.EventType, pod *corev1.Pod) bool {
					cs := framework.ContainerStatus(pod, "app")
					if cs == nil {
						return false
					}
					decreased = decreased || cs.RestartCount < restarts
					restarts = max(restarts, cs.RestartCount)
					if cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff" && backOff == nil {
						backOff = cs.DeepCopy()
					}
					return restarts >= 2 && backOff != nil
				})
			Expect(decreased).To(BeFalse(), "restartCount should never go down")
			Expect(pod.Status.Phase).To(Equal(corev1.PodRunning), "a pod whose container will run again stays Running: %s", framework.DescribePod(pod))
			Expect(backOff.LastTerminationState.Terminated).NotTo(BeNil(), "while backing off, the last termination is shown: %+v", backOff)
			Expect(backOff.LastTerminationState.Terminated.ExitCode).To(Equal(int32(1)), "the exit code of the crashed attempt")
		}, SpecTimeout(specTimeout))
	})

	Context("when it is Never and the container fails", func() {
		It("should leave the pod Failed with the container's exit code", func(ctx SpecContext) {
			create(ctx, ns, bindToNode(framework.CrasherPod("fails", corev1.RestartPolicyNever, "3", "200ms")))
			failed := func(g Gomega, pod *corev1.Pod) {
				g.Expect(pod.Status.Phase).To(Equal(corev1.PodFailed), framework.DescribePod(pod))
				cs := appStatus(g, pod)
				g.Expect(cs.State.Terminated).NotTo(BeNil(), framework.DescribePod(pod))
				g.Expect(cs.State.Terminated.ExitCode).To(Equal(int32(3)))
				g.Expect(cs.RestartCount).To(BeZero(), "restartPolicy Never restarts nothing")
			}
			framework.WaitForPod(ctx, ns, "fails", restartTimeout, "phase Failed, container terminated with exit code 3", failed)
			expectStays(ctx, ns, "fails", "Failed, never restarted", failed)
		}, SpecTimeout(specTimeout))
	})

	Context("when it is OnFailure and the container exits 0", func() {
		It("should leave the pod Succeeded, not restarted", func(ctx SpecContext) {
			create(ctx, ns, bindToNode(framework.CrasherPod("succeeds", corev1.RestartPolicyOnFailure, "0", "200ms")))
			succeeded := func(g Gomega, pod *corev1.Pod) {
				g.Expect(pod.Status.Phase).To(Equal(corev1.PodSucceeded), framework.DescribePod(pod))
				cs := appStatus(g, pod)
				g.Expect(cs.State.Terminated).NotTo(BeNil(), framework.DescribePod(pod))
				g.Expect(cs.State.Terminated.ExitCode).To(BeZero())
				g.Expect(cs.RestartCount).To(BeZero(), "OnFailure does not restart a container that succeeded")
			}
			framework.WaitForPod(ctx, ns, "succeeds", restartTimeout, "phase Succeeded, container terminated with exit code 0", succeeded)
			expectStays(ctx, ns, "succeeds", "Succeeded, never restarted", succeeded)
		}, SpecTimeout(specTimeout))
	})
})

// expectStays checks pod ns/name for quietPeriod, which spans the first
// restart back-offs (framework.BackoffBase doubling): the wait that saw it
// finished would pass at the first moment a kubelet that wrongly restarts
// it shows it so, before the restart.
func expectStays(ctx context.Context, ns, name, what string, check func(Gomega, *corev1.Pod)) {
	GinkgoHelper()
	Consistently(ctx, func(g Gomega) {
		pod, err := framework.Client().CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		check(g, pod)
	}).WithTimeout(quietPeriod).WithPolling(framework.Poll).Should(Succeed(), "pod %s/%s should stay %s", ns, name, what)
}
