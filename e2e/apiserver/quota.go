package apiserver

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("A ResourceQuota", Label("apiserver", "stage3"), func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("quota")
	})

	It("should refuse the pod that would pass its pods or requests.cpu, and admit one again once a pod is gone", func(ctx SpecContext) {
		q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "compute"}, Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
			corev1.ResourcePods: resource.MustParse("2"), corev1.ResourceRequestsCPU: resource.MustParse("1"),
		}}}
		_, err := framework.Client().CoreV1().ResourceQuotas(ns).Create(ctx, q, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		pods := framework.Client().CoreV1().Pods(ns)
		pod := func(name, cpu string) *corev1.Pod {
			p := framework.EchoPod(name)
			p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}
			return p
		}

		By("creating web-a (600m): it fits")
		_, err = pods.Create(ctx, pod("web-a", "600m"), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		By("creating web-b (600m): over requests.cpu")
		_, err = pods.Create(ctx, pod("web-b", "600m"), metav1.CreateOptions{})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a pod over the quota should be refused with 403: %v", err)
		Expect(err.Error()).To(ContainSubstring("exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1"))
		By("creating web-c (100m) and web-d (100m): the second is over pods")
		_, err = pods.Create(ctx, pod("web-c", "100m"), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		_, err = pods.Create(ctx, pod("web-d", "100m"), metav1.CreateOptions{})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a third pod under pods=2 should be refused: %v", err)
		Expect(err.Error()).To(ContainSubstring("limited: pods=2"))

		By("deleting web-a: web-d fits now")
		Expect(pods.Delete(ctx, "web-a", metav1.DeleteOptions{GracePeriodSeconds: new(int64)})).To(Succeed())
		Eventually(ctx, func() error {
			_, err := pods.Create(ctx, pod("web-d", "100m"), metav1.CreateOptions{})
			return err
		}).WithTimeout(specTimeout/2).WithPolling(framework.Poll).Should(Succeed(), "web-d should fit once web-a is gone")
		list, err := pods.List(ctx, metav1.ListOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(list.Items).To(HaveLen(2), "only web-c and web-d")
	}, SpecTimeout(specTimeout))
})
