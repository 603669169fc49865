package apiserver

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("Pod binding", apiserverLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("binding")
	})

	It("should set spec.nodeName and PodScheduled on the first binding and refuse a second with 409 Conflict", func(ctx SpecContext) {
		pods := framework.Client().CoreV1().Pods(ns)
		deletePodsNowAfterSpec(ns, "bound")
		pod, err := pods.Create(ctx, newPod("bound", nil), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(pod.Spec.NodeName).To(BeEmpty())

		By("binding the pod to e2e-node-1")
		err = pods.Bind(ctx, &corev1.Binding{
			ObjectMeta: metav1.ObjectMeta{Name: "bound"},
			Target:     corev1.ObjectReference{Kind: "Node", Name: "e2e-node-1"},
		}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred(), "bind pod bound to e2e-node-1")
		bound, err := pods.Get(ctx, "bound", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(bound.Spec.NodeName).To(Equal("e2e-node-1"))
		Expect(bound.Status.Conditions).To(ContainElement(And(
			HaveField("Type", corev1.PodScheduled),
			HaveField("Status", corev1.ConditionTrue),
		)), "the bound pod should be PodScheduled=True")
		Expect(bound.ResourceVersion).NotTo(Equal(pod.ResourceVersion))

		By("binding it again, to e2e-node-2")
		err = pods.Bind(ctx, &corev1.Binding{
			ObjectMeta: metav1.ObjectMeta{Name: "bound"},
			Target:     corev1.ObjectReference{Kind: "Node", Name: "e2e-node-2"},
		}, metav1.CreateOptions{})
		expectAPIError(err, 409, metav1.StatusReasonConflict)
		again, err := pods.Get(ctx, "bound", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(again.Spec.NodeName).To(Equal("e2e-node-1"), "the refused binding should not move the pod")
		Expect(again.ResourceVersion).To(Equal(bound.ResourceVersion), "the refused binding should write nothing")
	}, SpecTimeout(specTimeout))
})
