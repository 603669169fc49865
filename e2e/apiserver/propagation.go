package apiserver

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

// The API server marks the owner and sets the propagation finalizers (stage 3);
// the garbage collector of the controller-manager carries them out (stage 6).
// The garbage collector is given code, and the ReplicaSets here own pods
// made by hand; the learner's code on the path of these specs is the store
// alone (label store-only).
var _ = Describe("Deletion propagation", Label("apiserver", "garbagecollector", "stage6", "store-only"), func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("propagation")
	})

	DescribeTable("should treat a ReplicaSet's pod as the policy says when the ReplicaSet is deleted",
		func(ctx SpecContext, policy metav1.DeletionPropagation) {
			rs := createOwnedPod(ctx, ns, "owner", "dependent", nil)

			By("deleting the ReplicaSet with propagationPolicy " + string(policy))
			Expect(framework.Client().AppsV1().ReplicaSets(ns).Delete(ctx, rs.Name,
				metav1.DeleteOptions{PropagationPolicy: ptr.To(policy)})).To(Succeed())
			Eventually(ctx, func(g Gomega) {
				_, err := framework.Client().AppsV1().ReplicaSets(ns).Get(ctx, rs.Name, metav1.GetOptions{})
				g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "get the ReplicaSet: %v", err)
			}).WithTimeout(waitTimeout).WithPolling(poll).Should(Succeed(), "waiting for ReplicaSet %s to be gone", rs.Name)

			pods := framework.Client().CoreV1().Pods(ns)
			if policy == metav1.DeletePropagationOrphan {
				By("checking the pod stays, released by its owner")
				pod, err := pods.Get(ctx, "dependent", metav1.GetOptions{})
				Expect(err).NotTo(HaveOccurred(), "an orphaned pod stays")
				Expect(pod.OwnerReferences).To(BeEmpty(), "an orphaned pod no longer names its deleted owner")
				Expect(pod.DeletionTimestamp).To(BeNil())
				Consistently(ctx, func(g Gomega) {
					_, err := pods.Get(ctx, "dependent", metav1.GetOptions{})
					g.Expect(err).NotTo(HaveOccurred())
				}).WithTimeout(quietPeriod).WithPolling(poll).Should(Succeed(), "the orphaned pod should stay")
				return
			}
			By("checking the pod is deleted too")
			Eventually(ctx, func(g Gomega) {
				_, err := pods.Get(ctx, "dependent", metav1.GetOptions{})
				g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "get the pod: %v", err)
			}).WithTimeout(waitTimeout).WithPolling(poll).Should(Succeed(), "waiting for the ReplicaSet's pod to be deleted")
		},
		entry("Background: the pod is deleted after the ReplicaSet", metav1.DeletePropagationBackground),
		entry("Foreground: the pod is deleted, the ReplicaSet waiting for it", metav1.DeletePropagationForeground),
		entry("Orphan: the pod stays, without its ownerReference", metav1.DeletePropagationOrphan),
	)

	Context("when the dependent of a Foreground deletion is held by a finalizer", func() {
		It("should keep the owner, marked for deletion, until the dependent is gone", func(ctx SpecContext) {
			rs := createOwnedPod(ctx, ns, "owner", "held", []string{holdFinalizer})
			DeferCleanup(func(ctx SpecContext) {
				_, err := framework.Client().CoreV1().Pods(ns).Patch(ctx, "held", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
				if !apierrors.IsNotFound(err) {
					Expect(err).NotTo(HaveOccurred(), "remove the finalizer of pod held")
				}
			})
			rss, pods := framework.Client().AppsV1().ReplicaSets(ns), framework.Client().CoreV1().Pods(ns)

			By("deleting the ReplicaSet in the foreground")
			Expect(rss.Delete(ctx, rs.Name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationForeground)})).To(Succeed())
			Eventually(ctx, func(g Gomega) {
				pod, err := pods.Get(ctx, "held", metav1.GetOptions{})
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(pod.DeletionTimestamp).NotTo(BeNil(), "the dependent should be marked for deletion")
			}).WithTimeout(waitTimeout).WithPolling(poll).Should(Succeed(), "waiting for the held pod to be marked for deletion")
			owner, err := rss.Get(ctx, rs.Name, metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred(), "the owner should wait for its dependent")
			Expect(owner.DeletionTimestamp).NotTo(BeNil())
			Expect(owner.Finalizers).To(ContainElement(metav1.FinalizerDeleteDependents))

			By("releasing the dependent")
			_, err = pods.Patch(ctx, "held", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
			Expect(err).NotTo(HaveOccurred())
			Eventually(ctx, func(g Gomega) {
				_, err := rss.Get(ctx, rs.Name, metav1.GetOptions{})
				g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "get the ReplicaSet: %v", err)
			}).WithTimeout(waitTimeout).WithPolling(poll).Should(Succeed(), "waiting for the ReplicaSet to go once its dependent is gone")
		}, SpecTimeout(specTimeout))
	})
})

// createOwnedPod creates a ReplicaSet and a pod that names it as an owner
// (blockOwnerDeletion set), for the API server's garbage collection alone:
// the ReplicaSet wants no pods and the pod carries none of its labels, and
// the reference is not a controller reference, so a running ReplicaSet
// controller neither adopts, releases, replaces nor deletes it.
func createOwnedPod(ctx context.Context, ns, owner, dependent string, finalizers []string) *appsv1.ReplicaSet {
	GinkgoHelper()
	labels := map[string]string{"app": owner}
	rs, err := framework.Client().AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: owner},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To[int32](0),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: newPod("", nil).Spec},
		},
	}, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create ReplicaSet %s", owner)
	pod := newPod(dependent, map[string]string{"dependent-of": owner})
	pod.Finalizers = finalizers
	pod.OwnerReferences = []metav1.OwnerReference{{
		APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, BlockOwnerDeletion: ptr.To(true),
	}}
	_, err = framework.Client().CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create pod %s owned by ReplicaSet %s", dependent, owner)
	return rs
}
