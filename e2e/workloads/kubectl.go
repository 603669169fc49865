package workloads

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

// kubectlTimeout bounds a kubectl run; a rollout status waits longer.
const (
	kubectlTimeout = 30 * time.Second
	rolloutTimeout = 2 * time.Minute
)

// kubectl runs the stock kubectl against the suite's cluster in one namespace.
type kubectl struct {
	*framework.Kubectl
	ns string
}

func newKubectl(ns string) *kubectl {
	GinkgoHelper()
	return &kubectl{Kubectl: framework.NewKubectl(), ns: ns}
}

// run runs kubectl -n ns args to its end within timeout and returns its
// combined output.
func (k *kubectl) run(ctx context.Context, timeout time.Duration, args ...string) string {
	GinkgoHelper()
	return k.RunWithin(ctx, timeout, append([]string{"-n", k.ns}, args...)...)
}

func expectLine(output, pattern, what string) {
	GinkgoHelper()
	Expect(output).To(MatchRegexp("(?m)"+pattern), "%s; the output was:\n%s", what, output)
}

var _ = Describe("Workloads through kubectl", Label("workloads", "stage6", "kubectl"), func() {
	var (
		ns string
		k  *kubectl
	)

	BeforeEach(func() {
		ns = newNamespace("kubectl-deploy")
		k = newKubectl(ns)
	})

	deployment := func(ctx context.Context) *appsv1.Deployment {
		GinkgoHelper()
		d, err := framework.Client().AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		return d
	}
	rolledOut := func(ctx context.Context) {
		GinkgoHelper()
		// kubectl waits on its own; a stub would keep it waiting its
		// 110s, so the rollout must first be seen under way.
		Eventually(ctx, func(g Gomega) {
			framework.StopIfNotImplemented(ctx, ns, "deployment web to start its rollout")
			pods, err := framework.Client().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(pods.Items).NotTo(BeEmpty(), "pods of deployment web")
		}).WithTimeout(rolloutTimeout).WithPolling(framework.Poll).Should(Succeed(), "waiting for deployment web to create its pods")
		out := k.run(ctx, rolloutTimeout, "rollout", "status", "deployment/web", "--timeout=110s")
		expectLine(out, `deployment "web" successfully rolled out`, "kubectl rollout status should see the rollout end")
	}

	It("should create, scale, roll out, show history, undo, restart, set image and env, and describe a Deployment", func(ctx SpecContext) {
		By("kubectl create deployment")
		out := k.run(ctx, kubectlTimeout, "create", "deployment", "web", "--image="+framework.EchoImage, "--replicas=2")
		expectLine(out, `^deployment.apps/web created$`, "kubectl create deployment should create it")
		rolledOut(ctx)
		Expect(deployment(ctx).Status.AvailableReplicas).To(Equal(int32(2)))

		By("kubectl scale")
		out = k.run(ctx, kubectlTimeout, "scale", "deployment/web", "--replicas=3")
		expectLine(out, `^deployment.apps/web scaled$`, "kubectl scale should scale it")
		rolledOut(ctx)
		Expect(deployment(ctx).Status.AvailableReplicas).To(Equal(int32(3)))

		By("kubectl set env")
		out = k.run(ctx, kubectlTimeout, "set", "env", "deployment/web", "GREETING=hello")
		expectLine(out, `^deployment.apps/web env updated$`, "kubectl set env should change the template")
		rolledOut(ctx)

		By("kubectl set image")
		// The same image by another name: a new template, and nothing to pull.
		out = k.run(ctx, kubectlTimeout, "set", "image", "deployment/web", "echo=ownkube/echo")
		expectLine(out, `^deployment.apps/web image updated$`, "kubectl set image should change the template")
		rolledOut(ctx)
		Expect(deployment(ctx).Spec.Template.Spec.Containers[0].Image).To(Equal("ownkube/echo"))

		By("kubectl rollout history")
		out = k.run(ctx, kubectlTimeout, "rollout", "history", "deployment/web")
		expectLine(out, `^REVISION\s+CHANGE-CAUSE$`, "kubectl rollout history should print a table")
		for _, rev := range []string{"1", "2", "3"} {
			expectLine(out, `^`+rev+`\s+`, "kubectl rollout history should list revision "+rev)
		}
		out = k.run(ctx, kubectlTimeout, "rollout", "history", "deployment/web", "--revision=2")
		expectLine(out, `GREETING:\s+hello`, "revision 2 is the template with GREETING")

		By("kubectl rollout undo")
		out = k.run(ctx, kubectlTimeout, "rollout", "undo", "deployment/web")
		expectLine(out, `^deployment.apps/web rolled back$`, "kubectl rollout undo should roll back")
		rolledOut(ctx)
		d := deployment(ctx)
		Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal(framework.EchoImage), "undo returns to the template before set image")
		Expect(d.Annotations).To(HaveKeyWithValue(revisionAnnotation, "4"), "the rollback is revision 4")

		By("kubectl rollout restart")
		before := currentReplicaSet(ctx, d).Name
		out = k.run(ctx, kubectlTimeout, "rollout", "restart", "deployment/web")
		expectLine(out, `^deployment.apps/web restarted$`, "kubectl rollout restart should restart it")
		rolledOut(ctx)
		d = deployment(ctx)
		Expect(d.Spec.Template.Annotations).To(HaveKey("kubectl.kubernetes.io/restartedAt"))
		Expect(currentReplicaSet(ctx, d).Name).NotTo(Equal(before), "a restart rolls out a new ReplicaSet")

		By("kubectl describe")
		out = k.run(ctx, kubectlTimeout, "describe", "deployment", "web")
		expectLine(out, `^Name:\s+web$`, "describe should name the Deployment")
		expectLine(out, `^Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable$`, "describe should count the replicas")
		expectLine(out, `^StrategyType:\s+RollingUpdate$`, "describe should show the strategy")
		expectLine(out, `^\s+Progressing\s+True\s+NewReplicaSetAvailable$`, "describe should show the Progressing condition")
		expectLine(out, `^NewReplicaSet:\s+web-[a-z0-9]+ \(3/3 replicas created\)$`, "describe should name the new ReplicaSet")
		expectLine(out, `^Events:$`, "describe should show Events")
		expectLine(out, `ScalingReplicaSet\s+.*deployment-controller\s+Scaled (up|down) replica set web-`, "describe should tell the story in ScalingReplicaSet events")
	}, SpecTimeout(10*time.Minute))

	It("should scale a ReplicaSet with kubectl scale, and refuse a stale --resource-version", func(ctx SpecContext) {
		rs, err := framework.Client().AppsV1().ReplicaSets(ns).Create(ctx, newReplicaSet("web", 1), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred(), "create ReplicaSet web")
		waitReplicaSet(ctx, ns, "web", 1)

		out := k.run(ctx, kubectlTimeout, "scale", "rs/web", "--replicas=3")
		expectLine(out, `^replicaset.apps/web scaled$`, "kubectl scale should scale the ReplicaSet")
		waitReplicaSet(ctx, ns, "web", 3)

		By("scaling with the resourceVersion the ReplicaSet had when created")
		stale, err := k.TryRun(ctx, "-n", ns, "scale", "rs/web", "--replicas=2", "--resource-version="+rs.ResourceVersion)
		Expect(err).To(HaveOccurred(), "a stale --resource-version must be refused; kubectl said:\n%s", stale)
		// kubectl compares the resourceVersion of the Scale it reads first;
		// a write with a stale one would be the server's 409.
		Expect(string(stale)).To(MatchRegexp(`Expected resource version to be|the object has been modified`),
			"kubectl should say the resourceVersion is stale")
		Consistently(ctx, func(g Gomega) {
			cur, err := framework.Client().AppsV1().ReplicaSets(ns).Get(ctx, "web", metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(*cur.Spec.Replicas).To(Equal(int32(3)), "a refused scale changes nothing")
		}).WithTimeout(quietPeriod).WithPolling(framework.Poll).Should(Succeed(), "the ReplicaSet should keep 3 replicas")
	}, SpecTimeout(specTimeout))
})
