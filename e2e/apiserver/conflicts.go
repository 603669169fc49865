package apiserver

import (
	"fmt"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("Optimistic concurrency", apiserverLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("conflicts")
	})

	Context("when an update carries a stale resourceVersion", func() {
		It("should refuse it with 409 Conflict and keep the newer object", func(ctx SpecContext) {
			cms := framework.Client().CoreV1().ConfigMaps(ns)
			stale, err := cms.Create(ctx, newConfigMap("contended", map[string]string{"v": "1"}), metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred())

			By("updating it from one copy")
			first := stale.DeepCopy()
			first.Data["v"] = "2"
			newer, err := cms.Update(ctx, first, metav1.UpdateOptions{})
			Expect(err).NotTo(HaveOccurred())
			Expect(newer.ResourceVersion).NotTo(Equal(stale.ResourceVersion))

			By("updating it from the stale copy")
			stale.Data["v"] = "3"
			_, err = cms.Update(ctx, stale, metav1.UpdateOptions{})
			expectAPIError(err, 409, metav1.StatusReasonConflict)

			got, err := cms.Get(ctx, "contended", metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Data).To(Equal(map[string]string{"v": "2"}), "the refused update should have changed nothing")
			Expect(got.ResourceVersion).To(Equal(newer.ResourceVersion))
		}, SpecTimeout(specTimeout))
	})

	Context("when a create names an object that exists", func() {
		It("should refuse it with 409 AlreadyExists and keep the existing object", func(ctx SpecContext) {
			cms := framework.Client().CoreV1().ConfigMaps(ns)
			existing, err := cms.Create(ctx, newConfigMap("taken", map[string]string{"v": "original"}), metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred())

			_, err = cms.Create(ctx, newConfigMap("taken", map[string]string{"v": "impostor"}), metav1.CreateOptions{})
			expectAPIError(err, 409, metav1.StatusReasonAlreadyExists)

			got, err := cms.Get(ctx, "taken", metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred())
			Expect(got.UID).To(Equal(existing.UID))
			Expect(got.Data).To(Equal(map[string]string{"v": "original"}))
			Expect(got.ResourceVersion).To(Equal(existing.ResourceVersion))
		}, SpecTimeout(specTimeout))
	})

	Context("when patches without a resourceVersion race each other", func() {
		It("should retry each on the newer object until all succeed", func(ctx SpecContext) {
			// Each lost race means another patch won, so with five
			// patchers the server's retries (five attempts) always suffice.
			const patchers = 5
			cms := framework.Client().CoreV1().ConfigMaps(ns)
			_, err := cms.Create(ctx, newConfigMap("patched", nil), metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred())

			By(fmt.Sprintf("sending %d merge patches at once, each adding its own key", patchers))
			var wg sync.WaitGroup
			errs := make([]error, patchers)
			for i := range patchers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer GinkgoRecover()
					patch := fmt.Sprintf(`{"data":{"key-%d":"value-%d"}}`, i, i)
					_, errs[i] = cms.Patch(ctx, "patched", types.MergePatchType, []byte(patch), metav1.PatchOptions{})
				}()
			}
			wg.Wait()
			for i, err := range errs {
				Expect(err).NotTo(HaveOccurred(), "patch %d", i)
			}

			got, err := cms.Get(ctx, "patched", metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred())
			want := map[string]string{}
			for i := range patchers {
				want[fmt.Sprintf("key-%d", i)] = fmt.Sprintf("value-%d", i)
			}
			Expect(got.Data).To(Equal(want), "every patch should have been applied")

			By("sending a patch that carries a stale resourceVersion")
			stale := `{"metadata":{"resourceVersion":"1"},"data":{"stale":"yes"}}`
			_, err = cms.Patch(ctx, "patched", types.MergePatchType, []byte(stale), metav1.PatchOptions{})
			expectAPIError(err, 409, metav1.StatusReasonConflict)
		}, SpecTimeout(specTimeout))
	})
})
