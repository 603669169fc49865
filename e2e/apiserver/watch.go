package apiserver

import (
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("Watch", apiserverLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("watch")
	})

	It("should deliver ADDED, MODIFIED and DELETED of one object in order", func(ctx SpecContext) {
		cms := framework.Client().CoreV1().ConfigMaps(ns)
		list, err := cms.List(ctx, metav1.ListOptions{})
		Expect(err).NotTo(HaveOccurred())

		By("watching the configmap from the list's resourceVersion " + list.ResourceVersion)
		w, err := cms.Watch(ctx, metav1.ListOptions{
			ResourceVersion: list.ResourceVersion,
			FieldSelector:   fields.OneTermEqualSelector("metadata.name", "watched").String(),
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(w.Stop)

		By("creating, updating and deleting it")
		cm, err := cms.Create(ctx, newConfigMap("watched", map[string]string{"v": "1"}), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		cm.Data["v"] = "2"
		cm, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(cms.Delete(ctx, "watched", metav1.DeleteOptions{})).To(Succeed())

		By("receiving the three changes in order")
		added := expectEvent(ctx, w, watch.Added, "watched")
		Expect(added.Object.(*corev1.ConfigMap).Data).To(HaveKeyWithValue("v", "1"))
		modified := expectEvent(ctx, w, watch.Modified, "watched")
		Expect(modified.Object.(*corev1.ConfigMap).Data).To(HaveKeyWithValue("v", "2"))
		Expect(resourceVersionOf(modified.Object)).To(Equal(cm.ResourceVersion))
		deleted := expectEvent(ctx, w, watch.Deleted, "watched")
		revisions := []string{resourceVersionOf(added.Object), resourceVersionOf(modified.Object), resourceVersionOf(deleted.Object)}
		expectIncreasing(revisions)
		expectQuiet(w)
	}, SpecTimeout(specTimeout))

	It("should send, from a list's resourceVersion, only the changes made after the list", func(ctx SpecContext) {
		cms := framework.Client().CoreV1().ConfigMaps(ns)
		_, err := cms.Create(ctx, newConfigMap("before", map[string]string{"v": "1"}), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		list, err := cms.List(ctx, metav1.ListOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(list.Items).To(HaveLen(1), "the list should hold configmap before")

		By("changing things after the list")
		_, err = cms.Create(ctx, newConfigMap("after", nil), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		_, err = cms.Patch(ctx, "before", types.MergePatchType, []byte(`{"data":{"v":"2"}}`), metav1.PatchOptions{})
		Expect(err).NotTo(HaveOccurred())

		By("watching from the list's resourceVersion " + list.ResourceVersion)
		w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(w.Stop)
		expectEvent(ctx, w, watch.Added, "after")
		modified := expectEvent(ctx, w, watch.Modified, "before")
		Expect(modified.Object.(*corev1.ConfigMap).Data).To(HaveKeyWithValue("v", "2"))
		expectQuiet(w)
	}, SpecTimeout(specTimeout))

	Context("when the watch starts from a compacted revision", Serial, func() {
		It("should end with a 410 Expired ERROR event, and a re-list and watch should recover", func(ctx SpecContext) {
			cms := framework.Client().CoreV1().ConfigMaps(ns)
			cm, err := cms.Create(ctx, newConfigMap("old", map[string]string{"v": "0"}), metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred())
			oldRV := cm.ResourceVersion

			By("writing past revision " + oldRV)
			for _, v := range []string{"1", "2", "3"} {
				cm.Data["v"] = v
				cm, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
				Expect(err).NotTo(HaveOccurred())
			}

			By("watching from " + oldRV + " until compaction has passed it")
			// Each compaction keeps one interval (2s in the suite) of
			// history, so the revision expires within two intervals.
			Eventually(ctx, func(g Gomega) {
				w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: oldRV})
				g.Expect(err).NotTo(HaveOccurred())
				defer w.Stop()
				var ev watch.Event
				g.Eventually(w.ResultChan()).WithTimeout(5*time.Second).Should(Receive(&ev), "a first event of the watch from %s", oldRV)
				g.Expect(ev.Type).To(Equal(watch.Error), "first event: %s", describeEvent(ev))
				status, ok := ev.Object.(*metav1.Status)
				g.Expect(ok).To(BeTrue(), "an ERROR event carries a Status, not %T", ev.Object)
				g.Expect(status.Code).To(BeEquivalentTo(410), "ERROR event: %s", describeEvent(ev))
				g.Expect(status.Reason).To(Equal(metav1.StatusReasonExpired), "ERROR event: %s", describeEvent(ev))
				g.Expect(status.Message).NotTo(BeEmpty())
			}).WithTimeout(20*time.Second).WithPolling(500*time.Millisecond).Should(Succeed(),
				"waiting for a watch from compacted resourceVersion %s to end with 410 Expired", oldRV)

			By("re-listing and watching from the new resourceVersion")
			list, err := cms.List(ctx, metav1.ListOptions{})
			Expect(err).NotTo(HaveOccurred())
			Expect(list.Items).To(HaveLen(1))
			Expect(list.Items[0].Data).To(HaveKeyWithValue("v", "3"), "the re-list should read the newest state")
			w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(w.Stop)
			_, err = cms.Create(ctx, newConfigMap("new", nil), metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred())
			expectEvent(ctx, w, watch.Added, "new")
		}, SpecTimeout(specTimeout))
	})
})

// expectIncreasing checks that resourceVersions grow: this server's are
// etcd revisions, which clients may not compare but a test of it may.
func expectIncreasing(rvs []string) {
	GinkgoHelper()
	var last int64
	for _, rv := range rvs {
		n, err := strconv.ParseInt(rv, 10, 64)
		Expect(err).NotTo(HaveOccurred(), "resourceVersion %q", rv)
		Expect(n).To(BeNumerically(">", last), "resourceVersions of the events in order: %v", rvs)
		last = n
	}
}
