package scheduling

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("Scheduler", schedulingLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("scheduler")
		framework.DeletePodsAfterSpec(ns)
	})

	Context("when two pods share a controller", func() {
		It("should place them on different nodes", func(ctx SpecContext) {
			// The controller is a ConfigMap, which no controller acts on, so
			// the spec tests the scheduler alone: a ReplicaSet's controller
			// would make and remove pods of its own (stage 6).
			By("creating ConfigMap spread, the pods' controller")
			owner, err := framework.Client().CoreV1().ConfigMaps(ns).Create(ctx,
				&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "spread"}}, metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred(), "create ConfigMap spread")

			// Half of one node taken by a pod of no owner makes the other
			// node the roomier one for both pods: least-allocated scoring
			// alone would put them together there, so only spreading by
			// owner can separate them.
			busy := nodes()[len(nodes())-1]
			By("filling half of node " + busy + " with pod filler")
			filler := framework.EchoPod("filler")
			filler.Spec.NodeName = busy
			filler.Spec.Containers[0].Resources.Requests = corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("2Gi")}
			create(ctx, ns, filler)
			waitRunning(ctx, ns, "filler")

			By("creating two pods it controls")
			for _, name := range []string{"spread-a", "spread-b"} {
				pod := framework.EchoPod(name)
				pod.Labels = map[string]string{"app": "spread"}
				pod.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(owner, corev1.SchemeGroupVersion.WithKind("ConfigMap"))}
				create(ctx, ns, pod)
			}

			a, b := waitRunning(ctx, ns, "spread-a"), waitRunning(ctx, ns, "spread-b")
			Expect(a.Spec.NodeName).NotTo(Equal(b.Spec.NodeName),
				"the pods of one controller should be spread over the nodes: %s; %s", framework.DescribePod(a), framework.DescribePod(b))
		}, SpecTimeout(specTimeout))
	})

	Context("when a pod's nodeSelector matches one node", func() {
		It("should run it on that node", func(ctx SpecContext) {
			// The last node by name: ties between equal nodes go to the
			// first, so only the selector sends the pod here.
			target := nodes()[len(nodes())-1]
			By("creating a pod that selects node " + target)
			create(ctx, ns, withNodeSelector(framework.EchoPod("chosen"), target))
			pod := waitRunning(ctx, ns, "chosen")
			Expect(pod.Spec.NodeName).To(Equal(target), "the pod should run on the node its nodeSelector names")
		}, SpecTimeout(specTimeout))
	})

	Context("when no node matches a pod's nodeSelector", func() {
		It("should leave it Pending, Unschedulable, with a FailedScheduling event", func(ctx SpecContext) {
			create(ctx, ns, withNodeSelector(framework.EchoPod("nowhere"), noSuchNode()))

			By("waiting for the scheduler's verdict")
			waitUnschedulable(ctx, ns, "nowhere", nodesAvailable(),
				fmt.Sprintf("%d node(s) didn't match Pod's node affinity/selector", len(nodes())))
			expectFailedSchedulingEvent(ctx, ns, "nowhere", nodesAvailable())
			expectStaysPending(ctx, ns, "nowhere")
		}, SpecTimeout(specTimeout))
	})

	Context("when a pod requests more cpu than any node has", func() {
		It("should leave it Pending, Unschedulable for Insufficient cpu", func(ctx SpecContext) {
			tooMuch := resource.MustParse(framework.NodeCPU)
			tooMuch.Add(resource.MustParse("1"))
			By("creating a pod that requests " + tooMuch.String() + " cpu; each node has " + framework.NodeCPU)
			create(ctx, ns, withCPURequest(framework.EchoPod("greedy"), tooMuch.String()))

			waitUnschedulable(ctx, ns, "greedy", nodesAvailable(), fmt.Sprintf("%d Insufficient cpu", len(nodes())))
			expectFailedSchedulingEvent(ctx, ns, "greedy", "Insufficient cpu")
			expectStaysPending(ctx, ns, "greedy")
		}, SpecTimeout(specTimeout))
	})

	Context("when a pod fits only once another is deleted", func() {
		It("should schedule it once the other is gone", func(ctx SpecContext) {
			target := nodes()[0]
			By("filling node " + target + "'s cpu with pod filler")
			create(ctx, ns, withCPURequest(withNodeSelector(framework.EchoPod("filler"), target), framework.NodeCPU))
			filler := waitRunning(ctx, ns, "filler")
			Expect(filler.Spec.NodeName).To(Equal(target))

			By("creating pod waiter, which needs cpu on that node")
			create(ctx, ns, withCPURequest(withNodeSelector(framework.EchoPod("waiter"), target), "500m"))
			waitUnschedulable(ctx, ns, "waiter", nodesAvailable(), "1 Insufficient cpu")

			By("deleting pod filler")
			framework.DeletePod(ctx, ns, "filler")

			By("waiting for waiter to be scheduled there and run")
			waiter := waitRunning(ctx, ns, "waiter")
			Expect(waiter.Spec.NodeName).To(Equal(target))
		}, SpecTimeout(specTimeout))
	})
})
