package apiserver

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

// The API server makes the namespace Terminating and refuses new objects in it
// (stage 3); the namespace controller of the controller-manager empties and
// removes it (stage 6).
// The namespace controller is given code; the learner's code on the path
// of this spec is the store alone (label store-only).
var _ = Describe("Namespace deletion", Label("apiserver", "namespace", "stage6", "store-only"), func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("nsdelete")
	})

	It("should make the namespace Terminating, delete its contents, then remove it", func(ctx SpecContext) {
		c := framework.Client()
		labels := map[string]string{"app": "doomed"}

		By("filling the namespace with objects of several kinds")
		_, err := c.CoreV1().Pods(ns).Create(ctx, newPod("pod", labels), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		_, err = c.CoreV1().ConfigMaps(ns).Create(ctx, newConfigMap("config", map[string]string{"v": "1"}), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		_, err = c.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "secret"},
			Data: map[string][]byte{"k": []byte("v")}}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		_, err = c.CoreV1().Services(ns).Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "service"},
			Spec: corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80}}}}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		_, err = c.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "deployment"},
			Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: newPod("", nil).Spec}}}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		_, err = c.CoordinationV1().Leases(ns).Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "lease"},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("e2e")}}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		// A finalizer on one object holds the namespace in Terminating
		// until the spec lets it go, so that state can be seen.
		held := newConfigMap("held", nil)
		held.Finalizers = []string{holdFinalizer}
		_, err = c.CoreV1().ConfigMaps(ns).Create(ctx, held, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx SpecContext) {
			// Should the spec fail half-way, the namespace must still go.
			_, err := c.CoreV1().ConfigMaps(ns).Patch(ctx, "held", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
			if !apierrors.IsNotFound(err) {
				Expect(err).NotTo(HaveOccurred(), "remove the finalizer of configmap held")
			}
		})

		By("deleting the namespace")
		Expect(c.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})).To(Succeed())
		terminating, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred(), "the namespace should stay while configmap held is there")
		Expect(terminating.Status.Phase).To(Equal(corev1.NamespaceTerminating))
		Expect(terminating.DeletionTimestamp).NotTo(BeNil())

		By("refusing new objects in the terminating namespace")
		_, err = c.CoreV1().ConfigMaps(ns).Create(ctx, newConfigMap("latecomer", nil), metav1.CreateOptions{})
		expectAPIError(err, 403, metav1.StatusReasonForbidden)

		By("waiting for its contents to be deleted")
		Eventually(ctx, func(g Gomega) {
			pods, err := c.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(pods.Items).To(BeEmpty(), "pods")
			secrets, err := c.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(secrets.Items).To(BeEmpty(), "secrets")
			services, err := c.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(services.Items).To(BeEmpty(), "services")
			deployments, err := c.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(deployments.Items).To(BeEmpty(), "deployments")
			leases, err := c.CoordinationV1().Leases(ns).List(ctx, metav1.ListOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(leases.Items).To(BeEmpty(), "leases")
			cms, err := c.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(cms.Items).To(ConsistOf(HaveField("ObjectMeta.Name", "held")), "configmaps: only the held one should remain")
			g.Expect(cms.Items[0].DeletionTimestamp).NotTo(BeNil(), "configmap held should be marked for deletion")
		}).WithTimeout(waitTimeout).WithPolling(poll).Should(Succeed(), "waiting for the contents of namespace %s to be deleted", ns)
		stillThere, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred(), "the namespace should wait for configmap held")
		Expect(stillThere.Status.Phase).To(Equal(corev1.NamespaceTerminating))

		By("releasing the last object and waiting for the namespace to go")
		_, err = c.CoreV1().ConfigMaps(ns).Patch(ctx, "held", types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
		Expect(err).NotTo(HaveOccurred())
		Eventually(ctx, func(g Gomega) {
			_, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "get namespace: %v", err)
		}).WithTimeout(waitTimeout).WithPolling(poll).Should(Succeed(), "waiting for namespace %s to be removed", ns)
	}, SpecTimeout(specTimeout))
})
