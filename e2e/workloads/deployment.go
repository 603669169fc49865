package workloads

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

const revisionAnnotation = "deployment.kubernetes.io/revision"

// newDeployment is a Deployment of replicas echo pods labelled app=name,
// rolling 1 pod over and 1 under at a time.
func newDeployment(name string, replicas int32) *appsv1.Deployment {
	t := echoTemplate(name)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: t.Labels},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxSurge: ptr.To(intstr.FromInt32(1)), MaxUnavailable: ptr.To(intstr.FromInt32(1))}},
			Template: t,
		},
	}
}

func createDeployment(ctx context.Context, ns string, d *appsv1.Deployment) *appsv1.Deployment {
	GinkgoHelper()
	created, err := framework.Client().AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create Deployment %s", d.Name)
	return created
}

// setEnv patches the Deployment's one container to carry GREETING=value:
// a new template.
func setEnv(ctx context.Context, ns, name, value string) {
	GinkgoHelper()
	patch := fmt.Sprintf(`{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"GREETING","value":%q}]}]}}}}`, value)
	_, err := framework.Client().AppsV1().Deployments(ns).Patch(ctx, name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
	Expect(err).NotTo(HaveOccurred(), "change the template of Deployment %s", name)
}

func condition(d *appsv1.Deployment, typ appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == typ {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

// waitRolledOut waits until Deployment ns/name has rolled out its current
// template, as kubectl rollout status judges it and kube's conditions say:
// every replica updated and available, Progressing=True
// NewReplicaSetAvailable, Available=True, and one ReplicaSet left with pods.
func waitRolledOut(ctx context.Context, ns, name string) *appsv1.Deployment {
	GinkgoHelper()
	var d *appsv1.Deployment
	Eventually(ctx, func(g Gomega) {
		framework.StopIfNotImplemented(ctx, ns, "deployment "+ns+"/"+name+" to roll out")
		var err error
		d, err = framework.Client().AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		n, s := *d.Spec.Replicas, d.Status
		g.Expect(s.ObservedGeneration).To(Equal(d.Generation), "status is of an older generation")
		g.Expect([]int32{s.Replicas, s.UpdatedReplicas, s.ReadyReplicas, s.AvailableReplicas, s.UnavailableReplicas}).To(
			Equal([]int32{n, n, n, n, 0}), "replicas, updated, ready, available, unavailable: %+v", s)
		p := condition(d, appsv1.DeploymentProgressing)
		g.Expect(p).NotTo(BeNil(), "no Progressing condition")
		g.Expect(p.Status).To(Equal(corev1.ConditionTrue))
		g.Expect(p.Reason).To(Equal("NewReplicaSetAvailable"), p.Message)
		a := condition(d, appsv1.DeploymentAvailable)
		g.Expect(a).NotTo(BeNil(), "no Available condition")
		g.Expect(a.Status).To(Equal(corev1.ConditionTrue))
		g.Expect(a.Reason).To(Equal("MinimumReplicasAvailable"))
		g.Expect(scaledReplicaSets(ctx, g, d)).To(HaveLen(1), "one ReplicaSet should be left with replicas")
	}).WithTimeout(countTimeout).WithPolling(framework.Poll).Should(Succeed(), "waiting for Deployment %s/%s to roll out", ns, name)
	return d
}

// ownedReplicaSets lists the ReplicaSets d controls.
func ownedReplicaSets(ctx context.Context, g Gomega, d *appsv1.Deployment) []appsv1.ReplicaSet {
	list, err := framework.Client().AppsV1().ReplicaSets(d.Namespace).List(ctx, metav1.ListOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	var out []appsv1.ReplicaSet
	for _, rs := range list.Items {
		if ref := metav1.GetControllerOf(&rs); ref != nil && ref.UID == d.UID {
			out = append(out, rs)
		}
	}
	return out
}

// scaledReplicaSets lists the ReplicaSets of d that want pods, by name.
func scaledReplicaSets(ctx context.Context, g Gomega, d *appsv1.Deployment) []string {
	var out []string
	for _, rs := range ownedReplicaSets(ctx, g, d) {
		if *rs.Spec.Replicas > 0 {
			out = append(out, rs.Name)
		}
	}
	return out
}

// currentReplicaSet is the ReplicaSet of d with pods, once rolled out.
func currentReplicaSet(ctx context.Context, d *appsv1.Deployment) appsv1.ReplicaSet {
	GinkgoHelper()
	for _, rs := range ownedReplicaSets(ctx, Default, d) {
		if *rs.Spec.Replicas > 0 {
			return rs
		}
	}
	Fail("Deployment " + d.Name + " has no ReplicaSet with replicas")
	return appsv1.ReplicaSet{}
}

func greeting(t corev1.PodTemplateSpec) string {
	for _, e := range t.Spec.Containers[0].Env {
		if e.Name == "GREETING" {
			return e.Value
		}
	}
	return ""
}

var _ = Describe("Deployment", workloadLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = newNamespace("deployment")
	})

	Context("when its template changes under RollingUpdate", func() {
		It("should keep replicas − maxUnavailable pods ready and at most replicas + maxSurge pods, and end on one ReplicaSet", func(ctx SpecContext) {
			const replicas, surge, unavailable = 4, 1, 1
			d := createDeployment(ctx, ns, newDeployment("web", replicas))
			d = waitRolledOut(ctx, ns, "web")
			first := currentReplicaSet(ctx, d)
			Expect(first.Name).To(Equal("web-"+first.Labels[appsv1.DefaultDeploymentUniqueLabelKey]), "a Deployment's ReplicaSet is named <deployment>-<pod-template-hash>")
			Expect(first.Annotations).To(HaveKeyWithValue(revisionAnnotation, "1"))

			// A pod being deleted no longer counts, as in kube's own bounds:
			// maxSurge and maxUnavailable are of the pods the ReplicaSets want.
			By("watching every pod while the template changes")
			var most, fewestReady = 0, replicas
			w := watchPods(ctx, ns, false, func(pods []*corev1.Pod) string {
				ready := 0
				for _, p := range pods {
					if framework.IsPodReady(p) {
						ready++
					}
				}
				most, fewestReady = max(most, len(pods)), min(fewestReady, ready)
				switch {
				case len(pods) > replicas+surge:
					return fmt.Sprintf("%d pods, more than replicas + maxSurge = %d", len(pods), replicas+surge)
				case ready < replicas-unavailable:
					return fmt.Sprintf("%d pods ready, fewer than replicas − maxUnavailable = %d", ready, replicas-unavailable)
				}
				return ""
			})
			setEnv(ctx, ns, "web", "rolled")
			d = waitRolledOut(ctx, ns, "web")
			w.expectNoProblems("the rollout should stay within maxSurge and maxUnavailable")
			GinkgoWriter.Printf("the rollout ran up to %d pods, and down to %d ready\n", most, fewestReady)

			second := currentReplicaSet(ctx, d)
			Expect(second.Name).NotTo(Equal(first.Name), "a new template makes a new ReplicaSet")
			Expect(greeting(second.Spec.Template)).To(Equal("rolled"))
			Expect(second.Annotations).To(HaveKeyWithValue(revisionAnnotation, "2"))
			Expect(d.Annotations).To(HaveKeyWithValue(revisionAnnotation, "2"))
			pods := waitReplicaSet(ctx, ns, second.Name, replicas)
			for _, p := range pods {
				Expect(hashOf(&p)).To(Equal(second.Labels[appsv1.DefaultDeploymentUniqueLabelKey]), "every pod is of the new template")
			}
			expectEvent(ctx, ns, "web", "ScalingReplicaSet")
		}, SpecTimeout(rolloutSpecTimeout))
	})

	Context("when rolled back as kubectl rollout undo does", func() {
		It("should return to the previous template, as its ReplicaSet under the next revision", func(ctx SpecContext) {
			d := createDeployment(ctx, ns, newDeployment("web", 2))
			d = waitRolledOut(ctx, ns, "web")
			first := currentReplicaSet(ctx, d)
			setEnv(ctx, ns, "web", "second")
			waitRolledOut(ctx, ns, "web")

			By("patching the first ReplicaSet's template back, as kubectl rollout undo does")
			template := first.Spec.Template.DeepCopy()
			delete(template.Labels, appsv1.DefaultDeploymentUniqueLabelKey)
			cur, err := framework.Client().AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred())
			annotations := cur.Annotations
			patch, err := json.Marshal([]map[string]any{
				{"op": "replace", "path": "/spec/template", "value": template},
				{"op": "replace", "path": "/metadata/annotations", "value": annotations},
			})
			Expect(err).NotTo(HaveOccurred())
			_, err = framework.Client().AppsV1().Deployments(ns).Patch(ctx, "web", types.JSONPatchType, patch, metav1.PatchOptions{})
			Expect(err).NotTo(HaveOccurred(), "roll back Deployment web")

			d = waitRolledOut(ctx, ns, "web")
			back := currentReplicaSet(ctx, d)
			Expect(back.Name).To(Equal(first.Name), "the rollback should scale the first ReplicaSet up again, not make a new one")
			Expect(greeting(back.Spec.Template)).To(BeEmpty())
			Expect(back.Annotations).To(HaveKeyWithValue(revisionAnnotation, "3"), "a rollback is the next revision")
			Expect(back.Annotations).To(HaveKeyWithValue("deployment.kubernetes.io/revision-history", "1"))
		}, SpecTimeout(rolloutSpecTimeout))
	})

	Context("when its strategy is Recreate", func() {
		It("should not start a pod of the new template until every old pod is gone", func(ctx SpecContext) {
			d := newDeployment("web", 2)
			d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
			createDeployment(ctx, ns, d)
			d = waitRolledOut(ctx, ns, "web")
			oldHash := currentReplicaSet(ctx, d).Labels[appsv1.DefaultDeploymentUniqueLabelKey]

			By("watching every pod while the template changes")
			// An old pod counts until it is gone, terminating included.
			w := watchPods(ctx, ns, true, func(pods []*corev1.Pod) string {
				hashes := map[string]int{}
				for _, p := range pods {
					hashes[hashOf(p)]++
				}
				if len(hashes) > 1 {
					return fmt.Sprintf("pods of two templates at once: %v", hashes)
				}
				return ""
			})
			setEnv(ctx, ns, "web", "recreated")
			d = waitRolledOut(ctx, ns, "web")
			w.expectNoProblems("Recreate should remove the old pods before it starts new ones")
			Expect(currentReplicaSet(ctx, d).Labels[appsv1.DefaultDeploymentUniqueLabelKey]).NotTo(Equal(oldHash))
		}, SpecTimeout(rolloutSpecTimeout))
	})

	Context("when paused", func() {
		It("should hold a template change until resumed", func(ctx SpecContext) {
			d := createDeployment(ctx, ns, newDeployment("web", 2))
			d = waitRolledOut(ctx, ns, "web")
			first := currentReplicaSet(ctx, d)

			By("pausing, then changing the template")
			_, err := framework.Client().AppsV1().Deployments(ns).Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"paused":true}}`), metav1.PatchOptions{})
			Expect(err).NotTo(HaveOccurred())
			setEnv(ctx, ns, "web", "held")
			Eventually(ctx, func(g Gomega) {
				framework.StopIfNotImplemented(ctx, ns, "deployment web to be held")
				d, err := framework.Client().AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
				g.Expect(err).NotTo(HaveOccurred())
				p := condition(d, appsv1.DeploymentProgressing)
				g.Expect(p).NotTo(BeNil())
				g.Expect(p.Status).To(Equal(corev1.ConditionUnknown))
				g.Expect(p.Reason).To(Equal("DeploymentPaused"))
				g.Expect(d.Status.ObservedGeneration).To(Equal(d.Generation))
			}).WithTimeout(30*time.Second).WithPolling(framework.Poll).Should(Succeed(), "waiting for Progressing=Unknown DeploymentPaused")
			Consistently(ctx, func(g Gomega) {
				g.Expect(ownedReplicaSets(ctx, g, d)).To(HaveLen(1), "a paused Deployment makes no new ReplicaSet")
				g.Expect(scaledReplicaSets(ctx, g, d)).To(Equal([]string{first.Name}))
			}).WithTimeout(quietPeriod).WithPolling(framework.Poll).Should(Succeed(), "the paused Deployment should hold its rollout")

			By("resuming")
			_, err = framework.Client().AppsV1().Deployments(ns).Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"paused":false}}`), metav1.PatchOptions{})
			Expect(err).NotTo(HaveOccurred())
			d = waitRolledOut(ctx, ns, "web")
			Expect(greeting(currentReplicaSet(ctx, d).Spec.Template)).To(Equal("held"), "the held change rolls out once resumed")
		}, SpecTimeout(rolloutSpecTimeout))
	})

	Context("when its pods never become ready", func() {
		It("should end Progressing=False, ProgressDeadlineExceeded, after progressDeadlineSeconds", func(ctx SpecContext) {
			d := newDeployment("stuck", 1)
			d.Spec.ProgressDeadlineSeconds = ptr.To[int32](8)
			// None may be unavailable, so the one unready pod also makes it Available=False.
			d.Spec.Strategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromInt32(0))
			d.Spec.Template.Spec.Containers[0].Env = append(d.Spec.Template.Spec.Containers[0].Env, corev1.EnvVar{Name: "READY_AFTER", Value: "1h"})
			createDeployment(ctx, ns, d)
			Eventually(ctx, func(g Gomega) {
				framework.StopIfNotImplemented(ctx, ns, "deployment stuck to report no progress")
				d, err := framework.Client().AppsV1().Deployments(ns).Get(ctx, "stuck", metav1.GetOptions{})
				g.Expect(err).NotTo(HaveOccurred())
				p := condition(d, appsv1.DeploymentProgressing)
				g.Expect(p).NotTo(BeNil(), "no Progressing condition: %+v", d.Status)
				g.Expect(p.Reason).To(Equal("ProgressDeadlineExceeded"), "%+v", d.Status)
				g.Expect(p.Status).To(Equal(corev1.ConditionFalse))
				g.Expect(p.Message).To(MatchRegexp(`^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$`))
				a := condition(d, appsv1.DeploymentAvailable)
				g.Expect(a).NotTo(BeNil())
				g.Expect(a.Status).To(Equal(corev1.ConditionFalse))
				g.Expect(a.Reason).To(Equal("MinimumReplicasUnavailable"))
				g.Expect(d.Status.UnavailableReplicas).To(Equal(int32(1)))
			}).WithTimeout(90*time.Second).WithPolling(framework.Poll).Should(Succeed(),
				"waiting for Deployment stuck to exceed its 8s progress deadline")
		}, SpecTimeout(specTimeout))
	})
})
