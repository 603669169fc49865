package controllers

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

var statefulSetLabels = Label("stage6", "statefulset")

// statefulSetTimeout bounds a StatefulSet's pods starting (or going) one
// after another.
const statefulSetTimeout = 90 * time.Second

// echoStatefulSet is a StatefulSet of replicas echo pods, selected by
// app=name, governed by a Service of its name.
func echoStatefulSet(name string, replicas int32) *appsv1.StatefulSet {
	pod := framework.EchoPod(name)
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr.To(replicas),
			ServiceName: name,
			Selector:    &metav1.LabelSelector{MatchLabels: pod.Labels},
			Template:    corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: pod.Labels}, Spec: pod.Spec},
		},
	}
}

func createStatefulSet(ctx context.Context, ns string, set *appsv1.StatefulSet) *appsv1.StatefulSet {
	GinkgoHelper()
	sets := framework.Client().AppsV1().StatefulSets(ns)
	created, err := sets.Create(ctx, set, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create statefulset %s/%s", ns, set.Name)
	deleteInForegroundAfterSpec[*appsv1.StatefulSet](sets, "statefulset", ns, set.Name) // or it would make its pods again
	return created
}

// waitStatefulSetReady waits until set's status counts replicas pods, all
// ready, for its current generation.
func waitStatefulSetReady(ctx context.Context, ns, name string, replicas int32) *appsv1.StatefulSet {
	GinkgoHelper()
	var got *appsv1.StatefulSet
	Eventually(ctx, func(g Gomega) {
		framework.StopIfNotImplemented(ctx, ns, "statefulset "+name+" to have its pods ready")
		cur, err := framework.Client().AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		s := cur.Status
		g.Expect([]int32{s.Replicas, s.ReadyReplicas, s.AvailableReplicas, s.UpdatedReplicas}).To(Equal([]int32{replicas, replicas, replicas, replicas}),
			"replicas, ready, available, updated: %+v", s)
		g.Expect(s.ObservedGeneration).To(Equal(cur.Generation))
		got = cur
	}).WithTimeout(statefulSetTimeout).WithPolling(framework.Poll).Should(Succeed(),
		"waiting for statefulset %s/%s to count %d ready replicas", ns, name, replicas)
	return got
}

// getPod gets pod ns/name, which must exist.
func getPod(ctx context.Context, ns, name string) *corev1.Pod {
	GinkgoHelper()
	pod, err := framework.Client().CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	Expect(err).NotTo(HaveOccurred(), "get pod %s/%s", ns, name)
	return pod
}

// One spec follows one set, web, through its life: made in order, a pod
// lost and made again, scaled down from the top. One spec, not three in
// order, so that on wrong code it fails as a whole and skips nothing.
var _ = Describe("StatefulSet", statefulSetLabels, func() {
	It("should create its pods in order, make a deleted one again under its name, and scale down from the highest", Label("kubectl"), func(ctx SpecContext) {
		ns := framework.NewNamespace("statefulset")
		framework.DeletePodsAfterSpec(ns)
		w := framework.WatchPods(ctx, ns)
		set := createStatefulSet(ctx, ns, echoStatefulSet("web", 3))

		By("seeing web-0, web-1 and web-2 made in order, each once the one before is Ready")
		Expect(set.Spec.PodManagementPolicy).To(Equal(appsv1.OrderedReadyPodManagement), "the default policy")

		// The watch's order is the API server's: a pod added after
		// another turned Ready was made after the controller saw it Ready.
		added, ready := map[string]int{}, map[string]int{}
		seq := 0
		framework.AwaitPodEvent(ctx, w, statefulSetTimeout, "web-0, web-1 and web-2 Ready", func(typ watch.EventType, pod *corev1.Pod) bool {
			seq++
			if _, seen := added[pod.Name]; !seen && typ == watch.Added {
				added[pod.Name] = seq
			}
			if _, seen := ready[pod.Name]; !seen && framework.IsPodReady(pod) {
				ready[pod.Name] = seq
			}
			return len(ready) == 3
		})
		Expect(added).To(HaveLen(3), "pods added: %v", added)
		Expect(added).To(HaveKey("web-0"))
		Expect(added["web-1"]).To(BeNumerically(">", ready["web-0"]), "web-1 was made before web-0 was Ready (events added %v, ready %v)", added, ready)
		Expect(added["web-2"]).To(BeNumerically(">", ready["web-1"]), "web-2 was made before web-1 was Ready (events added %v, ready %v)", added, ready)
		for i, name := range []string{"web-1", "web-2"} {
			pod, prev := getPod(ctx, ns, name), getPod(ctx, ns, []string{"web-0", "web-1"}[i])
			Expect(pod.CreationTimestamp.Time).NotTo(BeTemporally("<", framework.PodCondition(prev, corev1.PodReady).LastTransitionTime.Time),
				"%s was created before %s turned Ready", name, prev.Name)
		}

		pod := getPod(ctx, ns, "web-1")
		Expect(metav1.IsControlledBy(pod, set)).To(BeTrue(), "web-1 is controlled by the StatefulSet")
		Expect(pod.Labels).To(And(HaveKeyWithValue(appsv1.StatefulSetPodNameLabel, "web-1"), HaveKeyWithValue(appsv1.PodIndexLabel, "1"),
			HaveKey(appsv1.ControllerRevisionHashLabelKey)))
		Expect(pod.Spec.Hostname).To(Equal("web-1"))
		Expect(pod.Spec.Subdomain).To(Equal("web"))
		cur := waitStatefulSetReady(ctx, ns, "web", 3)
		Expect(cur.Status.CurrentRevision).To(Equal(pod.Labels[appsv1.ControllerRevisionHashLabelKey]))
		Expect(cur.Status.UpdateRevision).To(Equal(cur.Status.CurrentRevision))

		By("deleting web-1: it is made again under the same name, and the others are left be")
		old, web2 := getPod(ctx, ns, "web-1"), getPod(ctx, ns, "web-2")
		Expect(framework.Client().CoreV1().Pods(ns).Delete(ctx, "web-1", metav1.DeleteOptions{})).To(Succeed())
		framework.WaitForPod(ctx, ns, "web-1", framework.PodDeleteTimeout+framework.PodStartTimeout, "made again and Ready",
			func(g Gomega, pod *corev1.Pod) {
				g.Expect(pod.UID).NotTo(Equal(old.UID), "still the old web-1")
				g.Expect(framework.IsPodReady(pod)).To(BeTrue(), framework.DescribePod(pod))
			})
		Expect(getPod(ctx, ns, "web-2").UID).To(Equal(web2.UID), "web-2 was replaced too")
		waitStatefulSetReady(ctx, ns, "web", 3)

		By("scaling down with kubectl scale sts: web-2 goes, then once it is gone web-1, and web-0 stays")
		kubectl := framework.NewKubectl()
		web0 := getPod(ctx, ns, "web-0")
		w = framework.WatchPods(ctx, ns)
		Expect(kubectl.Run(ctx, "-n", ns, "scale", "sts", "web", "--replicas=1")).To(ContainSubstring("statefulset.apps/web scaled"))

		// going: when a pod was first seen marked for deletion; gone: when it was removed.
		going, gone := map[string]int{}, map[string]int{}
		seq = 0
		framework.AwaitPodEvent(ctx, w, 2*framework.PodDeleteTimeout, "web-2 and web-1 gone", func(typ watch.EventType, pod *corev1.Pod) bool {
			seq++
			if _, seen := going[pod.Name]; !seen && (pod.DeletionTimestamp != nil || typ == watch.Deleted) {
				going[pod.Name] = seq
			}
			if typ == watch.Deleted {
				gone[pod.Name] = seq
			}
			return len(gone) == 2
		})
		Expect(gone).To(HaveKey("web-2"))
		Expect(gone).To(HaveKey("web-1"))
		Expect(going["web-1"]).To(BeNumerically(">", gone["web-2"]),
			"web-1 was deleted before web-2 was gone (first marked %v, removed %v)", going, gone)
		Expect(getPod(ctx, ns, "web-0").UID).To(Equal(web0.UID), "web-0 is kept")
		waitStatefulSetReady(ctx, ns, "web", 1)
		Expect(kubectl.Run(ctx, "-n", ns, "get", "sts")).To(MatchRegexp(`(?m)^web\s+1/1\s+`), "READY as kubectl prints it")
	}, SpecTimeout(3*specTimeout))
})
