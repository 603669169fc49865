package apiserver

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("Secrets and ConfigMaps", apiserverLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("config")
	})

	Context("when a Secret is written with stringData", func() {
		It("should store it in data and never return stringData", func(ctx SpecContext) {
			secrets := framework.Client().CoreV1().Secrets(ns)
			_, err := secrets.Create(ctx, &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "creds"},
				StringData: map[string]string{"password": "hunter2"},
			}, metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred())

			got, err := secrets.Get(ctx, "creds", metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred())
			Expect(got.StringData).To(BeNil(), "stringData is write-only: stored, it is the password in plain text")
			Expect(got.Data).To(HaveKeyWithValue("password", []byte("hunter2")))
			Expect(got.Type).To(Equal(corev1.SecretTypeOpaque))
		}, SpecTimeout(specTimeout))
	})

	Context("when a ConfigMap is marked immutable", func() {
		It("should refuse a change of its data with 422 and keep it", func(ctx SpecContext) {
			cms := framework.Client().CoreV1().ConfigMaps(ns)
			cm := newConfigMap("frozen", map[string]string{"v": "1"})
			cm.Immutable = ptr.To(true)
			_, err := cms.Create(ctx, cm, metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred())

			_, err = cms.Patch(ctx, "frozen", types.MergePatchType, []byte(`{"data":{"v":"2"}}`), metav1.PatchOptions{})
			expectAPIError(err, 422, metav1.StatusReasonInvalid)
			Expect(err.Error()).To(ContainSubstring("field is immutable when `immutable` is set"))

			got, err := cms.Get(ctx, "frozen", metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Data).To(Equal(map[string]string{"v": "1"}), "the refused patch should have changed nothing")
			Expect(got.Generation).To(BeZero(), "a ConfigMap has no spec, so no generation")
		}, SpecTimeout(specTimeout))
	})

	Context("when a key is not a valid ConfigMap key", func() {
		It("should refuse the ConfigMap with 422 and store nothing", func(ctx SpecContext) {
			cms := framework.Client().CoreV1().ConfigMaps(ns)
			_, err := cms.Create(ctx, newConfigMap("slashed", map[string]string{"etc/passwd": "x"}), metav1.CreateOptions{})
			expectAPIError(err, 422, metav1.StatusReasonInvalid)
			_, err = cms.Get(ctx, "slashed", metav1.GetOptions{})
			Expect(apierrors.IsNotFound(err)).To(BeTrue(), "the refused ConfigMap: %v, want it never stored", err)
		}, SpecTimeout(specTimeout))
	})
})
