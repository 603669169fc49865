package apiserver

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ownkube/ownkube/e2e/framework"
)

// holdFinalizer is a finalizer nothing but the spec that sets it removes.
const holdFinalizer = "e2e.ownkube.io/hold"

var _ = Describe("Finalizers", apiserverLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("finalizers")
	})

	It("should hold a deleted object until its last finalizer is removed", func(ctx SpecContext) {
		cms := framework.Client().CoreV1().ConfigMaps(ns)
		cm := newConfigMap("held", map[string]string{"v": "1"})
		cm.Finalizers = []string{holdFinalizer}
		_, err := cms.Create(ctx, cm, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())

		By("deleting it")
		Expect(cms.Delete(ctx, "held", metav1.DeleteOptions{})).To(Succeed())
		held, err := cms.Get(ctx, "held", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred(), "the finalizer should keep the configmap")
		Expect(held.DeletionTimestamp).NotTo(BeNil(), "a deleted object waiting for its finalizers has a deletionTimestamp")
		Expect(held.Finalizers).To(ConsistOf(holdFinalizer))
		Consistently(ctx, func(g Gomega) {
			_, err := cms.Get(ctx, "held", metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
		}).WithTimeout(quietPeriod).WithPolling(poll).Should(Succeed(), "the configmap should stay while its finalizer is there")

		By("watching it while its finalizer is removed")
		w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: held.ResourceVersion})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(w.Stop)
		_, err = cms.Patch(ctx, "held", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
		Expect(err).NotTo(HaveOccurred(), "remove the finalizer")
		expectEvent(ctx, w, watch.Deleted, "held")
		_, err = cms.Get(ctx, "held", metav1.GetOptions{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "get after the finalizer was removed: %v", err)
	}, SpecTimeout(specTimeout))
})
