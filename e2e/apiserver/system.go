package apiserver

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("The system namespaces", apiserverLabels, func() {
	It("should exist from the start and refuse to be deleted with 403", func(ctx SpecContext) {
		namespaces := framework.Client().CoreV1().Namespaces()
		for _, name := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
			ns, err := namespaces.Get(ctx, name, metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred(), "namespace %s", name)
			expectAPIError(namespaces.Delete(ctx, name, metav1.DeleteOptions{}), 403, metav1.StatusReasonForbidden)
			after, err := namespaces.Get(ctx, name, metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred())
			Expect(after.DeletionTimestamp).To(BeNil(), "the refused delete should have changed nothing")
			Expect(after.ResourceVersion).To(Equal(ns.ResourceVersion))
		}
	}, SpecTimeout(specTimeout))
})

// The serviceaccount controller is given code; the learner's code on the
// path of this spec is the store alone (label store-only).
var _ = Describe("The default ServiceAccount", Label("apiserver", "serviceaccount", "stage6", "store-only"), func() {
	It("should be made in a new namespace, and made again when deleted", func(ctx SpecContext) {
		ns := framework.NewNamespace("serviceaccount")
		sas := framework.Client().CoreV1().ServiceAccounts(ns)
		Eventually(ctx, func() error {
			_, err := sas.Get(ctx, "default", metav1.GetOptions{})
			return err
		}).WithTimeout(waitTimeout).WithPolling(poll).Should(Succeed(), "waiting for ServiceAccount default in a new namespace")
		first, err := sas.Get(ctx, "default", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())

		By("deleting it")
		Expect(sas.Delete(ctx, "default", metav1.DeleteOptions{})).To(Succeed())
		Eventually(ctx, func(g Gomega) {
			sa, err := sas.Get(ctx, "default", metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(sa.UID).NotTo(Equal(first.UID), "a new ServiceAccount, not the deleted one")
		}).WithTimeout(waitTimeout).WithPolling(poll).Should(Succeed(), "waiting for ServiceAccount default to be made again")
	}, SpecTimeout(specTimeout))
})
