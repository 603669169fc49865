package faults

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/e2e/framework"
)

const (
	// objects is how many ConfigMaps a restart must keep.
	objects = 50
	// recoverTimeout bounds how long the API may take to answer again
	// after a restart: the component's start plus the clients' backoff.
	recoverTimeout = 60 * time.Second
	specTimeout    = 3 * time.Minute
	// kubeletResync is the kubelet's full resync period.
	kubeletResync = 10 * time.Second
)

var _ = Describe("A restart of etcd's container", Label("faults", "disruptive", "stage3"), Serial, func() {
	It("should keep every object at its resourceVersion, and an informer should carry on", func(ctx SpecContext) {
		ns := framework.NewNamespace("etcd-restart")
		cms := framework.Client().CoreV1().ConfigMaps(ns)
		before := createConfigMaps(ctx, ns)
		keysBefore, err := framework.EtcdKeys(ctx, ns)
		Expect(err).NotTo(HaveOccurred())
		Expect(keysBefore).To(HaveKeyWithValue("configmaps", objects))

		By("starting an informer on the namespace's ConfigMaps")
		factory := informers.NewSharedInformerFactoryWithOptions(framework.Client(), 0, informers.WithNamespace(ns))
		informer := factory.Core().V1().ConfigMaps().Informer()
		infCtx, stop := context.WithCancel(ctx)
		DeferCleanup(stop)
		factory.Start(infCtx.Done())
		Expect(cache.WaitForCacheSync(ctx.Done(), informer.HasSynced)).To(BeTrue(), "the informer should sync")

		By("restarting etcd's container")
		Expect(framework.RestartContainer(ctx, framework.ComponentContainer(cluster.Etcd), 5)).To(Succeed())

		By("reading the ConfigMaps back once the API answers again")
		Eventually(ctx, func(g Gomega) {
			list, err := cms.List(ctx, metav1.ListOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(versions(list.Items)).To(Equal(before), "every ConfigMap, each at the resourceVersion it had")
		}).WithTimeout(recoverTimeout).WithPolling(framework.Poll).Should(Succeed(), "waiting for the ConfigMaps after the restart")
		keysAfter, err := framework.EtcdKeys(ctx, ns)
		Expect(err).NotTo(HaveOccurred())
		Expect(keysAfter).To(Equal(keysBefore), "the keys in etcd, by resource, before and after the restart")

		By("changing a ConfigMap, which the informer should see")
		_, err = cms.Patch(ctx, "cm-0", types.MergePatchType, []byte(`{"data":{"after":"restart"}}`), metav1.PatchOptions{})
		Expect(err).NotTo(HaveOccurred(), "patch a ConfigMap after the restart")
		Eventually(func(g Gomega) {
			obj, ok, err := informer.GetStore().GetByKey(ns + "/cm-0")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(ok).To(BeTrue())
			g.Expect(obj.(*corev1.ConfigMap).Data).To(HaveKeyWithValue("after", "restart"))
		}).WithContext(ctx).WithTimeout(recoverTimeout).WithPolling(framework.Poll).Should(Succeed(),
			"the informer should resume its watch, or re-list, after the restart")
	}, SpecTimeout(specTimeout))
})

var _ = Describe("A restart of the API server's container", Label("faults", "disruptive", "stage4"), Serial, func() {
	It("should keep the client's address working and restart no pod", func(ctx SpecContext) {
		ns := framework.NewNamespace("apiserver-restart")
		framework.DeletePodsAfterSpec(ns)
		pod := framework.EchoPod("steady")
		pod.Spec.NodeName = firstNode(ctx)
		_, err := framework.Client().CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		running := framework.WaitForPod(ctx, ns, "steady", recoverTimeout, "Running", func(g Gomega, p *corev1.Pod) {
			g.Expect(p.Status.Phase).To(Equal(corev1.PodRunning))
			g.Expect(p.Status.ContainerStatuses).To(HaveLen(1))
		})
		before := createConfigMaps(ctx, ns)

		By("restarting the API server's container")
		Expect(framework.RestartContainer(ctx, framework.ComponentContainer(cluster.APIServer), 5)).To(Succeed())

		By("reaching it again at the same address")
		Eventually(ctx, func(g Gomega) {
			list, err := framework.Client().CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
			g.Expect(err).NotTo(HaveOccurred(), "the suite's client, at %s", framework.RESTConfig().Host)
			g.Expect(versions(list.Items)).To(Equal(before))
		}).WithTimeout(recoverTimeout).WithPolling(framework.Poll).Should(Succeed(), "waiting for the API server at its address")

		By("checking the pod runs on, in the same container")
		// Over a kubelet resync (10 s): a kubelet that took the API's
		// absence for an empty list would have killed the pod by then.
		Consistently(ctx, func(g Gomega) {
			p, err := framework.Client().CoreV1().Pods(ns).Get(ctx, "steady", metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(p.Status.Phase).To(Equal(corev1.PodRunning))
			g.Expect(p.Status.ContainerStatuses).To(HaveLen(1))
			s := p.Status.ContainerStatuses[0]
			g.Expect(s.RestartCount).To(BeZero(), "the pod's container should not restart")
			g.Expect(s.ContainerID).To(Equal(running.Status.ContainerStatuses[0].ContainerID), "the pod should keep its container")
		}).WithTimeout(kubeletResync).WithPolling(framework.Poll).Should(Succeed())
	}, SpecTimeout(specTimeout))
})

// createConfigMaps creates the ConfigMaps cm-0 … in ns and returns their
// resourceVersions by name.
func createConfigMaps(ctx context.Context, ns string) map[string]string {
	GinkgoHelper()
	By(fmt.Sprintf("creating %d ConfigMaps", objects))
	out := map[string]string{}
	for i := range objects {
		cm, err := framework.Client().CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cm-%d", i)}, Data: map[string]string{"i": fmt.Sprint(i)},
		}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred(), "create ConfigMap cm-%d", i)
		out[cm.Name] = cm.ResourceVersion
	}
	return out
}

func versions(items []corev1.ConfigMap) map[string]string {
	out := map[string]string{}
	for _, cm := range items {
		out[cm.Name] = cm.ResourceVersion
	}
	return out
}

func firstNode(ctx context.Context) string {
	GinkgoHelper()
	nodes, err := framework.Client().CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	Expect(err).NotTo(HaveOccurred())
	Expect(nodes.Items).NotTo(BeEmpty(), "the spec needs a node")
	return nodes.Items[0].Name
}
