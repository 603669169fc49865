package controllers

import (
	"context"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

// drainTimeout bounds kubectl drain of a node holding both pods of a
// budget that lets one go at a time: an eviction, a replacement started
// and Ready elsewhere, kubectl's retry after 5 s, the second eviction, and
// both pods' ends.
const drainTimeout = 150 * time.Second

// A drain cordons a node: the spec runs alone and uncordons it after.
var _ = Describe("PodDisruptionBudget", Label("stage6", "disruption", "kubectl", "disruptive"), Serial, func() {
	Context("when kubectl drain empties the node of a ReplicaSet's pods", func() {
		It("should evict them one at a time, keeping minAvailable Ready, and leave the node cordoned", func(ctx SpecContext) {
			waitClusterHealthy(ctx)
			ns := framework.NewNamespace("disruption")
			framework.DeletePodsAfterSpec(ns)
			drained := lastNode()
			others := otherNodes(drained)
			w := framework.WatchPods(ctx, ns)
			healthy := watchHealthy(w)

			By("running a ReplicaSet of two pods, both on node " + drained + ", the other nodes cordoned meanwhile")
			for _, n := range others {
				setUnschedulable(ctx, n, true)
			}
			rs := createReplicaSet(ctx, ns, "web", 2)
			placeReplicaSetOn(ctx, rs, drained)
			for _, n := range others {
				setUnschedulable(ctx, n, false)
			}

			By("guarding them with a PodDisruptionBudget of minAvailable 1")
			pdbs := framework.Client().PolicyV1().PodDisruptionBudgets(ns)
			_, err := pdbs.Create(ctx, &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "web"},
				Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(1)), Selector: rs.Spec.Selector}},
				metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred(), "create pdb %s/web", ns)
			waitBudget(ctx, ns, "web", 2, 1)

			By("draining node " + drained + " with the stock kubectl, once it holds no pod of another spec")
			// drain refuses a node with a pod no controller owns: a
			// spec before this one may still be removing its own.
			Eventually(ctx, func(g Gomega) {
				list, err := framework.Client().CoreV1().Pods(metav1.NamespaceAll).List(ctx,
					metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", drained).String()})
				g.Expect(err).NotTo(HaveOccurred())
				for _, p := range list.Items {
					g.Expect(p.Namespace).To(Equal(ns), "pod %s/%s of another spec is still on node %s", p.Namespace, p.Name, drained)
				}
			}).WithTimeout(framework.PodDeleteTimeout).WithPolling(framework.Poll).Should(Succeed(),
				"waiting for node %s to hold only the pods of namespace %s", drained, ns)
			DeferCleanup(func(ctx SpecContext) {
				_, err := framework.Client().CoreV1().Nodes().Patch(ctx, drained, types.StrategicMergePatchType,
					[]byte(`{"spec":{"unschedulable":false}}`), metav1.PatchOptions{})
				Expect(err).NotTo(HaveOccurred(), "uncordon node %s", drained)
			})
			k := framework.NewKubectl()
			out := k.RunWithin(ctx, drainTimeout+15*time.Second, "drain", drained,
				"--ignore-daemonsets", "--delete-emptydir-data", "--timeout="+drainTimeout.String())
			Expect(out).To(ContainSubstring("Cannot evict pod as it would violate the pod's disruption budget"),
				"the second eviction was refused (429) until the first pod's replacement was Ready:\n%s", out)
			Expect(out).To(ContainSubstring("node/"+drained+" drained"), out)

			By("seeing the node cordoned, both pods on the other nodes, and never fewer than one Ready meanwhile")
			node, err := framework.Client().CoreV1().Nodes().Get(ctx, drained, metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred())
			Expect(node.Spec.Unschedulable).To(BeTrue(), "node %s is not cordoned after the drain", drained)
			waitReplicaSetOn(ctx, rs, others)
			Expect(healthy.least()).To(BeNumerically(">=", 1),
				"at some time fewer than minAvailable pods were Ready and not being deleted (healthy counts seen: %v)", healthy.seen())

			By("evicting both pods at once: the budget lets one go and answers 429 to the other")
			waitBudget(ctx, ns, "web", 2, 1)
			live := waitReplicaSetOn(ctx, rs, others)
			errs := make([]error, len(live))
			var wg sync.WaitGroup
			for i, p := range live {
				wg.Go(func() {
					defer GinkgoRecover()
					errs[i] = framework.Client().PolicyV1().Evictions(ns).Evict(ctx,
						&policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: ns}})
				})
			}
			wg.Wait()
			var allowed, refused int
			for i, err := range errs {
				switch {
				case err == nil:
					allowed++
				case apierrors.IsTooManyRequests(err):
					refused++
					Expect(apierrors.HasStatusCause(err, policyv1.DisruptionBudgetCause)).To(BeTrue(),
						"the 429 for pod %s carries no DisruptionBudget cause: %v", live[i].Name, err)
				default:
					Fail("evict pod " + live[i].Name + ": " + err.Error())
				}
			}
			Expect([]int{allowed, refused}).To(Equal([]int{1, 1}), "evictions allowed and refused (429); errors %v", errs)
		}, SpecTimeout(evictionTimeout+drainTimeout+2*time.Minute))
	})
})

// waitBudget waits until the disruption controller has written the status
// of budget ns/name at its generation: healthy pods Ready, allowed more
// disruptions.
func waitBudget(ctx context.Context, ns, name string, healthy, allowed int32) {
	GinkgoHelper()
	Eventually(ctx, func(g Gomega) {
		pdb, err := framework.Client().PolicyV1().PodDisruptionBudgets(ns).Get(ctx, name, metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		s := pdb.Status
		g.Expect(s.ObservedGeneration).To(Equal(pdb.Generation), "status not yet observed: %+v", s)
		g.Expect([]int32{s.CurrentHealthy, s.DisruptionsAllowed}).To(Equal([]int32{healthy, allowed}), "currentHealthy, disruptionsAllowed: %+v", s)
	}).WithTimeout(30*time.Second).WithPolling(framework.Poll).Should(Succeed(),
		"waiting for pdb %s/%s to count %d healthy pods and allow %d disruptions", ns, name, healthy, allowed)
}

// healthyLog counts, at every event of a watch of a namespace's pods, the
// pods Ready and not being deleted, from the first time there are two.
type healthyLog struct {
	mu     sync.Mutex
	counts []int
}

func (h *healthyLog) least() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	least := 2
	for _, c := range h.counts {
		least = min(least, c)
	}
	return least
}

func (h *healthyLog) seen() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int(nil), h.counts...)
}

// watchHealthy records the healthy counts of w's pods until w stops.
func watchHealthy(w watch.Interface) *healthyLog {
	h := &healthyLog{}
	go func() {
		defer GinkgoRecover()
		healthy := map[string]bool{}
		for ev := range w.ResultChan() {
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			healthy[pod.Name] = ev.Type != watch.Deleted && pod.DeletionTimestamp == nil && framework.IsPodReady(pod)
			n := 0
			for _, ok := range healthy {
				if ok {
					n++
				}
			}
			h.mu.Lock()
			if n >= 2 || len(h.counts) > 0 {
				h.counts = append(h.counts, n)
			}
			h.mu.Unlock()
		}
	}()
	return h
}
