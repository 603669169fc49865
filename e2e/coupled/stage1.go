package coupled

import (
	"fmt"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/e2e/framework"
)

const (
	specTimeout    = 2 * time.Minute
	cleanupTimeout = time.Minute
)

// The specs that need no learner code (the CLI's own validation, its node
// bookkeeping, the push node's health) carry the label given: the stub
// proof (make test-stubs) exempts them, and every other spec here must
// fail on the stubs.
var _ = Describe("The coupled CLI", Label("stage1", "coupled"), func() {
	var node, ns string

	BeforeEach(func(ctx SpecContext) {
		node = newNode(ctx)
		ns = newName("ns")
	}, NodeTimeout(2*time.Minute))

	It("should list a node it created as Ready", Label("given"), func(ctx SpecContext) {
		r := mustCLI(ctx, "node", "list")
		Expect(row(r.Stdout, node)).To(HaveExactElements(node, "Ready", Not(BeEmpty()), HavePrefix("http://127.0.0.1:")),
			"`node list` should show node %s Ready at its published address:\n%s", node, r.Stdout)
	}, SpecTimeout(specTimeout))

	Context("when a pod is pushed to a node", func() {
		var pod string

		BeforeEach(func(ctx SpecContext) {
			pod = newName("web")
			r := mustCLI(ctx, "pod", "create", "-f", manifest(pod), "--node", node, "-n", ns)
			Expect(row(r.Stdout, pod)).To(HaveExactElements(pod, node, "Running", "0", Not(BeEmpty())),
				"`pod create` should answer with the pod Running on %s:\n%s", node, r.Stdout)
		}, NodeTimeout(2*time.Minute))

		It("should run it: its status says Running with a pod IP, and its app answers there", func(ctx SpecContext) {
			got := getPod(ctx, ns, pod)
			Expect(got.Status.Phase).To(Equal(corev1.PodRunning))
			Expect(got.Status.PodIP).NotTo(BeEmpty(), "a running pod has the IP of its sandbox")
			Expect(got.Spec.NodeName).To(Equal(node))

			By("asking its app from the cluster network")
			out, code, err := framework.Probe(ctx, "http", "http://"+got.Status.PodIP+":8080/", "-expect", "200", "-retries", "20", "-interval", "250ms")
			Expect(err).NotTo(HaveOccurred())
			Expect(code).To(Equal(0), "the echo app of %s should answer at %s:8080: %s", pod, got.Status.PodIP, out)
			Expect(out).To(ContainSubstring(pod), "the echo app answers with its pod's name")

			By("listing it, as every node is asked")
			r := mustCLI(ctx, "pod", "list", "-n", ns)
			Expect(row(r.Stdout, pod)).To(HaveExactElements(pod, node, "Running", "0", Not(BeEmpty())), "`pod list`:\n%s", r.Stdout)
		}, SpecTimeout(specTimeout))

		It("should print its app's output with pod logs", func(ctx SpecContext) {
			Eventually(func(g Gomega) {
				r := cli(ctx, "pod", "logs", pod, "-n", ns)
				g.Expect(r.Err).NotTo(HaveOccurred(), "%s", r)
				g.Expect(r.Stdout).To(ContainSubstring("serving on :8080"))
			}).WithContext(ctx).WithTimeout(30*time.Second).WithPolling(500*time.Millisecond).
				Should(Succeed(), "`pod logs %s` should print the echo app's startup line", pod)
		}, SpecTimeout(specTimeout))

		It("should remove its containers with pod delete, and not list it again", func(ctx SpecContext) {
			uid := getPod(ctx, ns, pod).UID
			Expect(framework.PodContainers(ctx, uid)).To(HaveLen(2), "a pause and an app container run for the pod")
			mustCLI(ctx, "pod", "delete", pod, "-n", ns)
			Expect(framework.PodContainers(ctx, uid)).To(BeEmpty(), "`pod delete` answers once the pod's containers are gone")
			r := cli(ctx, "pod", "list", "-n", ns)
			Expect(r.Err).NotTo(HaveOccurred(), "%s", r)
			Expect(row(r.Stdout, pod)).To(BeNil(), "a deleted pod is listed no more:\n%s", r.Stdout)
		}, SpecTimeout(specTimeout))

		It("should refuse a different pod of the same name, and keep the one that runs", func(ctx SpecContext) {
			uid := getPod(ctx, ns, pod).UID
			other := writeManifest(pod+"-other", strings.Replace(fmt.Sprintf(echoManifest, pod, pod), "echo:latest", "crasher:latest", 1))
			r := cli(ctx, "pod", "create", "-f", other, "--node", node, "-n", ns)
			Expect(r.Err).To(HaveOccurred(), "a different pod of a name that runs is a conflict")
			Expect(r.Stderr).To(SatisfyAll(ContainSubstring("Conflict"), ContainSubstring("delete it first")), "the error says what to do")
			Expect(getPod(ctx, ns, pod).UID).To(Equal(uid), "the pod that ran still runs")
		}, SpecTimeout(specTimeout))
	})

	It("should refuse a bad manifest with a clear error and change nothing", Label("given"), func(ctx SpecContext) {
		bad := writeManifest("bad", "kind: Pod\nmetadata: {name: bad}\nspec:\n  containers: [{name: app}]\n")
		r := cli(ctx, "pod", "create", "-f", bad, "--node", node, "-n", ns)
		Expect(r.Err).To(HaveOccurred(), "a pod whose container has no image is invalid")
		Expect(r.Stderr).To(SatisfyAll(ContainSubstring("invalid"), ContainSubstring("image")),
			"the error should say what is wrong with the manifest")

		list := cli(ctx, "pod", "list", "-n", ns)
		Expect(list.Err).NotTo(HaveOccurred(), "%s", list)
		Expect(list.Stdout).To(BeEmpty(), "no pod was created")
		Expect(podContainersOn(ctx, node)).To(BeEmpty(), "no container was started on node %s", node)
	}, SpecTimeout(specTimeout))

	It("should say to create a node first when a pod is pushed to one that does not exist", Label("given"), func(ctx SpecContext) {
		missing := newName("nosuch")
		r := cli(ctx, "pod", "create", "-f", manifest("web"), "--node", missing, "-n", ns)
		Expect(r.Err).To(HaveOccurred())
		Expect(r.Stderr).To(ContainSubstring("run `ownkube node create " + missing + "` first"))
	}, SpecTimeout(specTimeout))
})

// podContainersOn lists the pod containers the suite's cluster holds on node.
func podContainersOn(ctx SpecContext, node string) ([]container.Summary, error) {
	f := filters.NewArgs(filters.Arg("label", cluster.LabelCluster+"="+framework.Cluster().Name),
		filters.Arg("label", cluster.LabelNode+"="+node), filters.Arg("label", cluster.LabelComponent+"="+cluster.ComponentPod))
	return framework.Docker().ContainerList(ctx, container.ListOptions{All: true, Filters: f})
}
