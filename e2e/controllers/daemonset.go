package controllers

import (
	"context"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

var daemonSetLabels = Label("stage6", "daemonset")

// daemonSetTimeout bounds a DaemonSet's pods starting or being replaced
// on every node.
const daemonSetTimeout = 90 * time.Second

// echoDaemonSet is a DaemonSet of echo pods, selected by app=name.
func echoDaemonSet(name string) *appsv1.DaemonSet {
	pod := framework.EchoPod(name)
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: pod.Labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: pod.Labels}, Spec: pod.Spec},
		},
	}
}

// daemonPods lists the pods of ds that are not being deleted, by node.
func daemonPods(ctx context.Context, g Gomega, ds *appsv1.DaemonSet) map[string][]corev1.Pod {
	sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	g.Expect(err).NotTo(HaveOccurred())
	list, err := framework.Client().CoreV1().Pods(ds.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	g.Expect(err).NotTo(HaveOccurred())
	byNode := map[string][]corev1.Pod{}
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			byNode[p.Spec.NodeName] = append(byNode[p.Spec.NodeName], p)
		}
	}
	return byNode
}

// waitDaemonSetOn waits until ds runs one Ready pod on each of nodes and
// nowhere else, and its status says so; it returns the DaemonSet.
func waitDaemonSetOn(ctx context.Context, ds *appsv1.DaemonSet, nodes []string) *appsv1.DaemonSet {
	GinkgoHelper()
	var got *appsv1.DaemonSet
	n := int32(len(nodes))
	Eventually(ctx, func(g Gomega) {
		framework.StopIfNotImplemented(ctx, ds.Namespace, "a pod of daemonset "+ds.Name+" on every node")
		byNode := daemonPods(ctx, g, ds)
		g.Expect(byNode).To(HaveLen(len(nodes)), "pods by node: %v", nodeNames(byNode))
		for _, node := range nodes {
			g.Expect(byNode[node]).To(HaveLen(1), "node %s should run exactly one pod; pods by node: %v", node, nodeNames(byNode))
			g.Expect(framework.IsPodReady(&byNode[node][0])).To(BeTrue(), framework.DescribePod(&byNode[node][0]))
		}
		cur, err := framework.Client().AppsV1().DaemonSets(ds.Namespace).Get(ctx, ds.Name, metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		s := cur.Status
		g.Expect([]int32{s.DesiredNumberScheduled, s.CurrentNumberScheduled, s.NumberReady, s.UpdatedNumberScheduled, s.NumberAvailable}).To(
			Equal([]int32{n, n, n, n, n}), "desired, current, ready, updated, available: %+v", s)
		g.Expect(s.NumberMisscheduled).To(BeZero())
		g.Expect(s.NumberUnavailable).To(BeZero())
		g.Expect(s.ObservedGeneration).To(Equal(cur.Generation))
		got = cur
	}).WithTimeout(daemonSetTimeout).WithPolling(framework.Poll).Should(Succeed(),
		"waiting for daemonset %s/%s to run one Ready pod on each of %v", ds.Namespace, ds.Name, nodes)
	return got
}

func nodeNames(byNode map[string][]corev1.Pod) map[string]int {
	out := map[string]int{}
	for n, pods := range byNode {
		out[n] = len(pods)
	}
	return out
}

func createDaemonSet(ctx context.Context, ns string, ds *appsv1.DaemonSet) *appsv1.DaemonSet {
	GinkgoHelper()
	sets := framework.Client().AppsV1().DaemonSets(ns)
	created, err := sets.Create(ctx, ds, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create daemonset %s/%s", ns, ds.Name)
	deleteInForegroundAfterSpec[*appsv1.DaemonSet](sets, "daemonset", ns, ds.Name) // or it would replace its pods
	return created
}

var _ = Describe("DaemonSet", daemonSetLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("daemonset")
		framework.DeletePodsAfterSpec(ns)
	})

	Context("when created", func() {
		It("should run one pod on every node, bound there and tolerating what daemon pods tolerate", func(ctx SpecContext) {
			ds := createDaemonSet(ctx, ns, echoDaemonSet("everywhere"))
			Expect(ds.Spec.UpdateStrategy.Type).To(Equal(appsv1.RollingUpdateDaemonSetStrategyType), "the default strategy")
			waitDaemonSetOn(ctx, ds, framework.Cluster().Nodes)

			Eventually(ctx, func(g Gomega) {
				framework.StopIfNotImplemented(ctx, ds.Namespace, "the pods of daemonset "+ds.Name+"")
				for node, pods := range daemonPods(ctx, g, ds) {
					pod := pods[0]
					g.Expect(metav1.IsControlledBy(&pod, ds)).To(BeTrue())
					terms := pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
					g.Expect(terms).To(HaveLen(1))
					g.Expect(terms[0].MatchFields).To(ConsistOf(corev1.NodeSelectorRequirement{
						Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{node}}))
					for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
						g.Expect(pod.Spec.Tolerations).To(ContainElement(corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists,
							Effect: corev1.TaintEffectNoExecute}), "a daemon pod tolerates %s for ever", key)
					}
					g.Expect(pod.Spec.Tolerations).To(ContainElement(HaveField("Key", corev1.TaintNodeUnschedulable)))
				}
			}).WithTimeout(10 * time.Second).WithPolling(framework.Poll).Should(Succeed())
		}, SpecTimeout(specTimeout))
	})

	Context("when its nodeSelector admits one node", func() {
		It("should run its pod there only", func(ctx SpecContext) {
			node := framework.Cluster().Nodes[0]
			ds := echoDaemonSet("one-node")
			ds.Spec.Template.Spec.NodeSelector = map[string]string{corev1.LabelHostname: node}
			waitDaemonSetOn(ctx, createDaemonSet(ctx, ns, ds), []string{node})
		}, SpecTimeout(specTimeout))
	})

	Context("when its template changes under RollingUpdate with maxUnavailable 1", func() {
		It("should replace its pods node by node, never more than one node without an available pod", func(ctx SpecContext) {
			ds := echoDaemonSet("rolling")
			ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr.To(intstr.FromInt32(1))}}
			ds = waitDaemonSetOn(ctx, createDaemonSet(ctx, ns, ds), framework.Cluster().Nodes)
			old := map[string]bool{}
			Eventually(ctx, func(g Gomega) {
				framework.StopIfNotImplemented(ctx, ds.Namespace, "the pods of daemonset "+ds.Name+"")
				for _, pods := range daemonPods(ctx, g, ds) {
					old[pods[0].Name] = true
				}
			}).WithTimeout(10 * time.Second).Should(Succeed())

			By("changing the template's environment")
			ds.Spec.Template.Spec.Containers[0].Env = append(ds.Spec.Template.Spec.Containers[0].Env, corev1.EnvVar{Name: "VERSION", Value: "2"})
			updated, err := framework.Client().AppsV1().DaemonSets(ns).Update(ctx, ds, metav1.UpdateOptions{})
			Expect(err).NotTo(HaveOccurred())

			var mostUnavailable int32
			n := int32(len(framework.Cluster().Nodes))
			Eventually(ctx, func(g Gomega) {
				framework.StopIfNotImplemented(ctx, ns, "daemonset "+ds.Name+" to roll out")
				cur, err := framework.Client().AppsV1().DaemonSets(ns).Get(ctx, ds.Name, metav1.GetOptions{})
				g.Expect(err).NotTo(HaveOccurred())
				if cur.Status.ObservedGeneration == cur.Generation {
					mostUnavailable = max(mostUnavailable, cur.Status.NumberUnavailable)
				}
				byNode := daemonPods(ctx, g, ds)
				g.Expect(byNode).To(HaveLen(int(n)))
				for node, pods := range byNode {
					g.Expect(pods).To(HaveLen(1), "node %s", node)
					g.Expect(old).NotTo(HaveKey(pods[0].Name), "node %s still runs an old pod", node)
					g.Expect(framework.IsPodReady(&pods[0])).To(BeTrue())
				}
				g.Expect(cur.Status.UpdatedNumberScheduled).To(Equal(n))
				g.Expect(cur.Status.NumberAvailable).To(Equal(n))
			}).WithTimeout(2*daemonSetTimeout).WithPolling(framework.Poll).Should(Succeed(),
				"waiting for every node to run a pod of the new template")
			Expect(mostUnavailable).To(BeNumerically("<=", 1), "maxUnavailable 1: at most one node without an available pod")
			Expect(updated.Generation).To(Equal(ds.Generation + 1))
		}, SpecTimeout(specTimeout))
	})
})

var _ = Describe("DaemonSet", daemonSetLabels, Label("disruptive"), Serial, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("daemonset-nodes")
		framework.DeletePodsAfterSpec(ns)
	})

	Context("when a node joins the cluster and then leaves it", func() {
		It("should start a pod on the new node, and drop it once the node is gone", func(ctx SpecContext) {
			nodes := slices.Clone(framework.Cluster().Nodes)
			ds := createDaemonSet(ctx, ns, echoDaemonSet("follows"))
			waitDaemonSetOn(ctx, ds, nodes)

			By("starting a third node")
			third, err := framework.AddNode(ctx, framework.NodeCount+1)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(func(ctx SpecContext) {
				if err := framework.RemoveNode(ctx, third); err != nil {
					GinkgoWriter.Printf("remove node %s: %v\n", third, err)
				}
			}, NodeTimeout(time.Minute))
			waitDaemonSetOn(ctx, ds, append(slices.Clone(nodes), third))

			By("removing the third node")
			Expect(framework.RemoveNode(ctx, third)).To(Succeed())
			waitDaemonSetOn(ctx, ds, nodes)
		}, SpecTimeout(disruptiveTimeout))
	})
})
