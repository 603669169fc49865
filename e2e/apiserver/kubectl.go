package apiserver

import (
	"context"
	"os"
	"path/filepath"
	"regexp"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

// expectLine checks that output has a line matching pattern.
func expectLine(output, pattern, what string) {
	GinkgoHelper()
	Expect(output).To(MatchRegexp("(?m)"+pattern), "%s; the output was:\n%s", what, output)
}

var _ = Describe("kubectl compatibility", Label("apiserver", "stage3", "kubectl"), func() {
	var (
		ns string
		k  *framework.Kubectl
	)

	BeforeEach(func() {
		k = framework.NewKubectl()
		ns = framework.NewNamespace("kubectl")
	})

	It("should list the namespaces with kubectl get ns", func(ctx SpecContext) {
		out := k.Run(ctx, "get", "ns")
		expectLine(out, `^NAME\s+STATUS\s+AGE$`, "kubectl get ns should print a table")
		expectLine(out, `^default\s+Active\s`, "kubectl get ns should list namespace default")
		expectLine(out, `^`+regexp.QuoteMeta(ns)+`\s+Active\s`, "kubectl get ns should list the spec's namespace")
	}, SpecTimeout(specTimeout))

	It("should create a pod with kubectl apply, and configure it when the manifest changes", func(ctx SpecContext) {
		manifest := filepath.Join(GinkgoT().TempDir(), "pod.yaml")
		write := func(version string) {
			Expect(os.WriteFile(manifest, []byte(`apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
    version: "`+version+`"
spec:
  schedulerName: `+noScheduler+`
  containers:
  - name: app
    image: ownkube/echo:`+version+`
`), 0o644)).To(Succeed())
		}

		By("applying a new manifest")
		write("1")
		out := k.Run(ctx, "apply", "-n", ns, "-f", manifest)
		expectLine(out, `^pod/web created$`, "kubectl apply of a new pod")
		pod, err := framework.Client().CoreV1().Pods(ns).Get(ctx, "web", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred(), "the applied pod")
		Expect(pod.Labels).To(HaveKeyWithValue("version", "1"))

		By("applying the changed manifest")
		write("2")
		out = k.Run(ctx, "apply", "-n", ns, "-f", manifest)
		expectLine(out, `^pod/web configured$`, "kubectl apply of a changed pod")
		pod, err = framework.Client().CoreV1().Pods(ns).Get(ctx, "web", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(pod.Labels).To(HaveKeyWithValue("version", "2"), "the change of the manifest's label")
		Expect(pod.Spec.Containers[0].Image).To(Equal("ownkube/echo:2"), "the change of the manifest's image")

		By("applying it unchanged")
		out = k.Run(ctx, "apply", "-n", ns, "-f", manifest)
		expectLine(out, `^pod/web unchanged$`, "kubectl apply of an unchanged pod")
	}, SpecTimeout(specTimeout))

	It("should print a row for a pod created while kubectl get pods -w runs", func(ctx SpecContext) {
		pods := framework.Client().CoreV1().Pods(ns)
		_, err := pods.Create(ctx, newPod("first", nil), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())

		By("starting kubectl get pods -w")
		watchCtx, cancel := context.WithTimeout(ctx, framework.KubectlTimeout)
		output := gbytes.NewBuffer()
		cmd := k.Command(watchCtx, "get", "pods", "-w", "-n", ns)
		cmd.Stdout, cmd.Stderr = output, output
		Expect(cmd.Start()).To(Succeed())
		DeferCleanup(func() {
			cancel()
			_ = cmd.Wait() // killed by the cancel: its error says only that
		})
		// Once the row of the pod that was there is printed, kubectl has
		// listed and watches from the list's resourceVersion on.
		Eventually(ctx, output).WithTimeout(framework.KubectlTimeout).Should(gbytes.Say(`(?m)^first\s+0/1\s+Pending\s`),
			"waiting for kubectl get pods -w to list pod first")

		By("creating a pod while it watches")
		_, err = pods.Create(ctx, newPod("second", nil), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Eventually(ctx, output).WithTimeout(framework.KubectlTimeout).Should(gbytes.Say(`(?m)^second\s+0/1\s+Pending\s`),
			"waiting for kubectl get pods -w to print a row for pod second")
	}, SpecTimeout(specTimeout))

	It("should delete a pod with kubectl delete", func(ctx SpecContext) {
		_, err := framework.Client().CoreV1().Pods(ns).Create(ctx, newPod("victim", nil), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		out := k.Run(ctx, "delete", "pod", "victim", "-n", ns)
		expectLine(out, `^pod "victim" deleted`, "kubectl delete pod")
		_, err = framework.Client().CoreV1().Pods(ns).Get(ctx, "victim", metav1.GetOptions{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "get the pod kubectl deleted: %v", err)
	}, SpecTimeout(specTimeout))

	It("should list pods, deployments and leases in kubectl api-resources", func(ctx SpecContext) {
		out := k.Run(ctx, "api-resources")
		expectLine(out, `^pods\s+po\s+v1\s+true\s+Pod$`, "api-resources should list pods")
		expectLine(out, `^deployments\s+deploy\s+apps/v1\s+true\s+Deployment$`, "api-resources should list deployments")
		expectLine(out, `^leases\s+coordination\.k8s\.io/v1\s+true\s+Lease$`, "api-resources should list leases")
	}, SpecTimeout(specTimeout))

	It("should show a pod's name and labels in kubectl describe", func(ctx SpecContext) {
		_, err := framework.Client().CoreV1().Pods(ns).Create(ctx, newPod("described", map[string]string{"app": "web", "tier": "front"}), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		out := k.Run(ctx, "describe", "pod", "described", "-n", ns)
		expectLine(out, `^Name:\s+described$`, "describe should name the pod")
		expectLine(out, `^Namespace:\s+`+regexp.QuoteMeta(ns)+`$`, "describe should name the pod's namespace")
		expectLine(out, `^Labels:\s+app=web$`, "describe should show the first label")
		expectLine(out, `^\s+tier=front$`, "describe should show the second label")
	}, SpecTimeout(specTimeout))
})
