package nodes

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

// logsTimeout bounds the wait for a line to show in a container's log,
// and each kubectl run.
const logsTimeout = 30 * time.Second

var _ = Describe("Container logs", nodesLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("logs")
		framework.DeletePodsAfterSpec(ns)
	})

	It("should show the echo server's startup line in kubectl logs", Label("kubectl"), func(ctx SpecContext) {
		kubectl := framework.NewKubectl()
		pod := runTalker(ctx, ns)
		Eventually(ctx, func(g Gomega) {
			framework.StopIfNotImplemented(ctx, ns, "the logs of pod "+pod.Name)
			runCtx, cancel := context.WithTimeout(ctx, logsTimeout)
			defer cancel()
			out, err := kubectl.Command(runCtx, "logs", "-n", ns, pod.Name).CombinedOutput()
			g.Expect(err).NotTo(HaveOccurred(), "kubectl logs -n %s %s:\n%s", ns, pod.Name, out)
			g.Expect(string(out)).To(ContainSubstring(startupLine(pod)))
		}).WithTimeout(logsTimeout).WithPolling(time.Second).Should(Succeed(),
			"waiting for kubectl logs to show the echo server's startup line %q", startupLine(pod))
	}, SpecTimeout(specTimeout))

	It("should serve the echo server's startup line on pods/log (client-go GetLogs)", func(ctx SpecContext) {
		pod := runTalker(ctx, ns)
		Eventually(ctx, func(g Gomega) {
			framework.StopIfNotImplemented(ctx, ns, "the logs of pod "+pod.Name)
			out, err := framework.Client().CoreV1().Pods(ns).GetLogs(pod.Name, &corev1.PodLogOptions{Container: "app"}).DoRaw(ctx)
			g.Expect(err).NotTo(HaveOccurred(), "GET pods/log of %s/%s: %s", ns, pod.Name, out)
			g.Expect(string(out)).To(ContainSubstring(startupLine(pod)))
		}).WithTimeout(logsTimeout).WithPolling(500*time.Millisecond).Should(Succeed(),
			"waiting for pods/log to show the echo server's startup line %q", startupLine(pod))
	}, SpecTimeout(specTimeout))
})

// runTalker runs an echo server, pod talker, and waits until it runs.
func runTalker(ctx context.Context, ns string) *corev1.Pod {
	GinkgoHelper()
	By("running an echo server, pod talker")
	create(ctx, ns, bindToNode(framework.EchoPod("talker")))
	return waitRunning(ctx, ns, "talker")
}

// startupLine is the line the echo server logs when it starts serving.
func startupLine(pod *corev1.Pod) string {
	return fmt.Sprintf("echo: serving on :%d as pod %s in %s on node %s", framework.EchoPort, pod.Name, pod.Namespace, pod.Spec.NodeName)
}
