package apiserver

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("The status subresource", apiserverLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("status")
	})

	// A Service, whose status no component of any stage writes: the
	// status seen is only what the spec wrote.
	It("should keep a Service's status and spec apart, and count spec changes in its generation", func(ctx SpecContext) {
		services := framework.Client().CoreV1().Services(ns)
		lb := corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "192.0.2.10"}}}
		svc, err := services.Create(ctx, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}},
			Status:     corev1.ServiceStatus{LoadBalancer: lb},
		}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(svc.Generation).To(BeEquivalentTo(1))
		Expect(svc.Status.LoadBalancer.Ingress).To(BeEmpty(), "a create should not set status")

		By("updating the main resource with a new label and a new status")
		svc.Labels = map[string]string{"touched": "yes"}
		svc.Status.LoadBalancer = lb
		svc, err = services.Update(ctx, svc, metav1.UpdateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(svc.Labels).To(HaveKeyWithValue("touched", "yes"))
		Expect(svc.Status.LoadBalancer.Ingress).To(BeEmpty(), "an update of the main resource should not change status")
		Expect(svc.Generation).To(BeEquivalentTo(1), "a metadata change should not make a new generation")

		By("changing the spec")
		svc.Spec.Ports[0].Port = 81
		svc, err = services.Update(ctx, svc, metav1.UpdateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(svc.Spec.Ports[0].Port).To(BeEquivalentTo(81))
		Expect(svc.Generation).To(BeEquivalentTo(2), "a spec change should make a new generation")

		By("updating the status subresource with a new status and a new spec")
		svc.Status.LoadBalancer = lb
		svc.Spec.Ports[0].Port = 82
		svc, err = services.UpdateStatus(ctx, svc, metav1.UpdateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(svc.Status.LoadBalancer).To(Equal(lb))
		Expect(svc.Spec.Ports[0].Port).To(BeEquivalentTo(81), "a status update should not change spec")
		Expect(svc.Generation).To(BeEquivalentTo(2), "a status update should not make a new generation")

		By("reading it back")
		got, err := services.Get(ctx, "web", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Status.LoadBalancer).To(Equal(lb))
		Expect(got.Spec.Ports[0].Port).To(BeEquivalentTo(81))
		Expect(got.Generation).To(BeEquivalentTo(2))
		Expect(got.Labels).To(HaveKeyWithValue("touched", "yes"))
	}, SpecTimeout(specTimeout))

	It("should keep a Pod's status and spec apart, and count spec changes in its generation", func(ctx SpecContext) {
		pods := framework.Client().CoreV1().Pods(ns)
		pod, err := pods.Create(ctx, newPod("phased", nil), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(pod.Status.Phase).To(Equal(corev1.PodPending))

		By("updating the main resource with phase Running")
		pod.Status.Phase = corev1.PodRunning
		pod.Labels = map[string]string{"touched": "yes"}
		pod, err = pods.Update(ctx, pod, metav1.UpdateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(pod.Status.Phase).To(Equal(corev1.PodPending), "an update of the main resource should not change status")
		Expect(pod.Generation).To(BeEquivalentTo(1), "a metadata change should not make a new generation")

		By("changing the spec: the one thing of a pod's that may change, its image")
		pod.Spec.Containers[0].Image = "ownkube/echo:two"
		pod, err = pods.Update(ctx, pod, metav1.UpdateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(pod.Generation).To(BeEquivalentTo(2), "a spec change should make a new generation")

		By("updating the status subresource with phase Running and a new image")
		pod.Status.Phase = corev1.PodRunning
		pod.Spec.Containers[0].Image = "ownkube/echo:other"
		pod, err = pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(pod.Status.Phase).To(Equal(corev1.PodRunning))
		Expect(pod.Spec.Containers[0].Image).To(Equal("ownkube/echo:two"), "a status update should not change spec")
		Expect(pod.Generation).To(BeEquivalentTo(2), "a status update should not make a new generation")

		got, err := pods.Get(ctx, "phased", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Status.Phase).To(Equal(corev1.PodRunning))
		Expect(got.Spec.Containers[0].Image).To(Equal("ownkube/echo:two"))
		Expect(got.Labels).To(HaveKeyWithValue("touched", "yes"))
	}, SpecTimeout(specTimeout))
})
