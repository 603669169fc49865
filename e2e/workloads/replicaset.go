package workloads

import (
	"context"
	"fmt"
	"time"

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

var _ = Describe("ReplicaSet", workloadLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = newNamespace("replicaset")
	})

	create := func(ctx context.Context, rs *appsv1.ReplicaSet) *appsv1.ReplicaSet {
		GinkgoHelper()
		created, err := framework.Client().AppsV1().ReplicaSets(ns).Create(ctx, rs, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred(), "create ReplicaSet %s", rs.Name)
		return created
	}

	Context("when created", func() {
		It("should run spec.replicas pods from its template, controlled by it, and count them in its status", func(ctx SpecContext) {
			rs := create(ctx, newReplicaSet("web", 3))
			pods := waitReplicaSet(ctx, ns, "web", 3)
			for _, p := range pods {
				ref := metav1.GetControllerOf(&p)
				Expect(ref.Kind).To(Equal("ReplicaSet"), "pod %s", p.Name)
				Expect(ref.Name).To(Equal(rs.Name), "pod %s", p.Name)
				Expect(ref.BlockOwnerDeletion).To(Equal(ptr.To(true)), "pod %s's controller reference should block its owner's foreground deletion", p.Name)
				Expect(p.Labels).To(HaveKeyWithValue("app", "web"), "pod %s carries the template's labels", p.Name)
				Expect(p.Name).To(HavePrefix("web-"), "a ReplicaSet's pods are named after it")
			}
			expectEvent(ctx, ns, "web", "SuccessfulCreate")

			By("checking it stays at 3, creating no more")
			Consistently(ctx, func(g Gomega) {
				g.Expect(controlledPods(ctx, g, ns, rs.UID)).To(HaveLen(3))
			}).WithTimeout(quietPeriod).WithPolling(framework.Poll).Should(Succeed(), "the ReplicaSet should keep exactly 3 pods")
		}, SpecTimeout(specTimeout))
	})

	Context("when one of its pods is deleted", func() {
		It("should replace it with a new pod", func(ctx SpecContext) {
			rs := create(ctx, newReplicaSet("web", 2))
			pods := waitReplicaSet(ctx, ns, "web", 2)
			victim := pods[0]
			By("deleting pod " + victim.Name)
			Expect(framework.Client().CoreV1().Pods(ns).Delete(ctx, victim.Name, metav1.DeleteOptions{})).To(Succeed())
			pods = waitReplicaSet(ctx, ns, "web", 2)
			for _, p := range pods {
				Expect(p.UID).NotTo(Equal(victim.UID), "the deleted pod should have been replaced")
			}
			Expect(controlledPods(ctx, Default, ns, rs.UID)).To(HaveLen(2))
		}, SpecTimeout(specTimeout))
	})

	Context("when scaled through the scale subresource", func() {
		It("should follow the count from 3 to 5 to 1, and report it in the Scale", func(ctx SpecContext) {
			create(ctx, newReplicaSet("web", 3))
			waitReplicaSet(ctx, ns, "web", 3)
			rss := framework.Client().AppsV1().ReplicaSets(ns)
			for _, n := range []int32{5, 1} {
				By(fmt.Sprintf("scaling to %d", n))
				scale, err := rss.GetScale(ctx, "web", metav1.GetOptions{})
				Expect(err).NotTo(HaveOccurred(), "get the scale of ReplicaSet web")
				scale.Spec.Replicas = n
				_, err = rss.UpdateScale(ctx, "web", scale, metav1.UpdateOptions{})
				Expect(err).NotTo(HaveOccurred(), "update the scale of ReplicaSet web to %d", n)
				waitReplicaSet(ctx, ns, "web", int(n))
				Eventually(ctx, func(g Gomega) {
					framework.StopIfNotImplemented(ctx, ns, "the scale of replicaset web")
					scale, err := rss.GetScale(ctx, "web", metav1.GetOptions{})
					g.Expect(err).NotTo(HaveOccurred())
					g.Expect(scale.Spec.Replicas).To(Equal(n))
					g.Expect(scale.Status.Replicas).To(Equal(n))
					g.Expect(scale.Status.Selector).To(Equal("app=web"))
				}).WithTimeout(30*framework.Poll).WithPolling(framework.Poll).Should(Succeed(), "waiting for the Scale to report %d replicas", n)
			}
			expectEvent(ctx, ns, "web", "SuccessfulDelete")
		}, SpecTimeout(specTimeout))
	})

	Context("when a pod it does not own matches its selector", func() {
		It("should adopt it, and release it once its labels stop matching", func(ctx SpecContext) {
			By("creating orphan pod stray with the ReplicaSet's labels")
			stray := framework.EchoPod("stray")
			stray.Labels = map[string]string{"app": "web"}
			_, err := framework.Client().CoreV1().Pods(ns).Create(ctx, stray, metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred(), "create pod stray")

			rs := create(ctx, newReplicaSet("web", 2))
			Eventually(ctx, func(g Gomega) {
				framework.StopIfNotImplemented(ctx, ns, "pod stray to be adopted")
				pod, err := framework.Client().CoreV1().Pods(ns).Get(ctx, "stray", metav1.GetOptions{})
				g.Expect(err).NotTo(HaveOccurred())
				ref := metav1.GetControllerOf(pod)
				g.Expect(ref).NotTo(BeNil(), "stray has no controller")
				g.Expect(ref.UID).To(Equal(rs.UID))
			}).WithTimeout(countTimeout).WithPolling(framework.Poll).Should(Succeed(), "waiting for ReplicaSet web to adopt pod stray")
			pods := waitReplicaSet(ctx, ns, "web", 2)
			Expect(pods).To(ContainElement(HaveField("Name", "stray")), "the adopted pod counts as one of the two")

			By("relabelling stray so the selector no longer matches")
			_, err = framework.Client().CoreV1().Pods(ns).Patch(ctx, "stray", types.MergePatchType,
				[]byte(`{"metadata":{"labels":{"app":"elsewhere"}}}`), metav1.PatchOptions{})
			Expect(err).NotTo(HaveOccurred())
			Eventually(ctx, func(g Gomega) {
				framework.StopIfNotImplemented(ctx, ns, "pod stray to be released")
				pod, err := framework.Client().CoreV1().Pods(ns).Get(ctx, "stray", metav1.GetOptions{})
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(metav1.GetControllerOf(pod)).To(BeNil(), "stray should no longer name a controller: %v", pod.OwnerReferences)
				g.Expect(pod.DeletionTimestamp).To(BeNil(), "a released pod is left running")
			}).WithTimeout(countTimeout).WithPolling(framework.Poll).Should(Succeed(), "waiting for ReplicaSet web to release pod stray")
			pods = waitReplicaSet(ctx, ns, "web", 2)
			Expect(pods).NotTo(ContainElement(HaveField("Name", "stray")), "the released pod should have been replaced")
		}, SpecTimeout(specTimeout))
	})

	Context("when deleted", func() {
		var (
			rs   *appsv1.ReplicaSet
			pods []corev1.Pod
		)
		BeforeEach(func(ctx SpecContext) {
			rs = create(ctx, newReplicaSet("web", 2))
			pods = waitReplicaSet(ctx, ns, "web", 2)
		}, NodeTimeout(countTimeout+10*time.Second))

		deleteRS := func(ctx context.Context, policy metav1.DeletionPropagation) {
			GinkgoHelper()
			By("deleting ReplicaSet web with propagationPolicy " + string(policy))
			Expect(framework.Client().AppsV1().ReplicaSets(ns).Delete(ctx, "web",
				metav1.DeleteOptions{PropagationPolicy: ptr.To(policy)})).To(Succeed())
		}
		rsGone := func(ctx context.Context, g Gomega) {
			_, err := framework.Client().AppsV1().ReplicaSets(ns).Get(ctx, "web", metav1.GetOptions{})
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "get ReplicaSet web: %v", err)
		}
		podsGone := func(ctx context.Context, g Gomega) {
			for _, p := range pods {
				_, err := framework.Client().CoreV1().Pods(ns).Get(ctx, p.Name, metav1.GetOptions{})
				g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "pod %s should be gone: %v", p.Name, err)
			}
		}

		It("should delete its pods after it, in the background", func(ctx SpecContext) {
			deleteRS(ctx, metav1.DeletePropagationBackground)
			Eventually(ctx, func(g Gomega) { rsGone(ctx, g) }).WithTimeout(30*time.Second).WithPolling(framework.Poll).
				Should(Succeed(), "waiting for ReplicaSet web to be gone")
			Eventually(ctx, func(g Gomega) { podsGone(ctx, g) }).WithTimeout(framework.PodDeleteTimeout).WithPolling(framework.Poll).
				Should(Succeed(), "waiting for the pods of ReplicaSet web to be deleted")
		}, SpecTimeout(specTimeout))

		It("should stay, marked for deletion, until its pods are gone, in the foreground", func(ctx SpecContext) {
			deleteRS(ctx, metav1.DeletePropagationForeground)
			owner, err := framework.Client().AppsV1().ReplicaSets(ns).Get(ctx, "web", metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred(), "the ReplicaSet should wait for its running pods")
			Expect(owner.DeletionTimestamp).NotTo(BeNil())
			Expect(owner.Finalizers).To(ContainElement(metav1.FinalizerDeleteDependents))
			Eventually(ctx, func(g Gomega) {
				framework.StopIfNotImplemented(ctx, ns, "replicaset web and its pods to be gone")
				rsGone(ctx, g)
				podsGone(ctx, g) // read after: once the owner is gone its dependents must be
			}).WithTimeout(framework.PodDeleteTimeout).WithPolling(framework.Poll).Should(Succeed(),
				"waiting for ReplicaSet web to go, after its pods")
			Expect(owner.UID).To(Equal(rs.UID))
		}, SpecTimeout(specTimeout))

		It("should leave its pods running, without their controller, when orphaning", func(ctx SpecContext) {
			deleteRS(ctx, metav1.DeletePropagationOrphan)
			Eventually(ctx, func(g Gomega) { rsGone(ctx, g) }).WithTimeout(30*time.Second).WithPolling(framework.Poll).
				Should(Succeed(), "waiting for ReplicaSet web to be gone")
			Consistently(ctx, func(g Gomega) {
				for _, p := range pods {
					pod, err := framework.Client().CoreV1().Pods(ns).Get(ctx, p.Name, metav1.GetOptions{})
					g.Expect(err).NotTo(HaveOccurred(), "orphaned pod %s should stay", p.Name)
					g.Expect(pod.OwnerReferences).To(BeEmpty(), "orphaned pod %s should no longer name its owner", p.Name)
					g.Expect(pod.DeletionTimestamp).To(BeNil(), "orphaned pod %s should not be deleted", p.Name)
				}
			}).WithTimeout(quietPeriod).WithPolling(framework.Poll).Should(Succeed(), "the orphaned pods should stay")
		}, SpecTimeout(specTimeout))
	})
})
