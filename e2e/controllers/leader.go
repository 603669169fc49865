package controllers

import (
	"context"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/e2e/framework"
)

// takeoverTimeout bounds a standby taking the Lease of a leader that was
// killed: the Lease's duration (15s), a retry period, and a loaded machine.
const takeoverTimeout = time.Minute

// leaseHolder is the holder of the Lease kube-system/kube-controller-manager.
func leaseHolder(ctx context.Context, g Gomega) string {
	lease, err := framework.Client().CoordinationV1().Leases(metav1.NamespaceSystem).Get(ctx, "kube-controller-manager", metav1.GetOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(lease.Spec.HolderIdentity).NotTo(BeNil(), "the Lease has no holder")
	return *lease.Spec.HolderIdentity
}

// holds reports whether the replica of container name holds the Lease:
// a replica's identity starts with its hostname.
func holds(ctx context.Context, name, holder string) bool {
	GinkgoHelper()
	in, err := framework.Docker().ContainerInspect(ctx, name)
	Expect(err).NotTo(HaveOccurred(), "inspect container %s", name)
	return strings.HasPrefix(holder, in.Config.Hostname+"_")
}

var _ = Describe("Controller-manager leader election", Label("stage6", "controller-manager", "disruptive"), Serial, func() {
	It("should move the Lease to a standby when the leader stops, and keep the controllers working", func(ctx SpecContext) {
		first := framework.ComponentContainer(cluster.ControllerManager)
		By("starting a standby controller-manager")
		standby, err := framework.StartReplica(ctx, cluster.ControllerManager, "standby")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx SpecContext) {
			// The first comes back and leads again; the standby steps down
			// gracefully, releasing the Lease, and is removed.
			Expect(framework.StartContainer(ctx, first)).To(Succeed())
			Expect(framework.Docker().ContainerStop(ctx, standby, containerStopGraceful())).To(Succeed())
			Expect(framework.RemoveContainer(ctx, standby)).To(Succeed())
			Eventually(ctx, func(g Gomega) {
				g.Expect(holds(ctx, first, leaseHolder(ctx, g))).To(BeTrue(), "the first controller-manager should lead again")
			}).WithTimeout(takeoverTimeout).WithPolling(framework.Poll).Should(Succeed(), "waiting for %s to lead again", first)
		}, NodeTimeout(takeoverTimeout+30*time.Second))

		var leader, other string
		Eventually(ctx, func(g Gomega) {
			holder := leaseHolder(ctx, g)
			switch {
			case holds(ctx, first, holder):
				leader, other = first, standby
			case holds(ctx, standby, holder):
				leader, other = standby, first
			default:
				g.Expect(holder).To(BeEmpty(), "the Lease is held by neither %s nor %s", first, standby)
			}
		}).WithTimeout(takeoverTimeout).WithPolling(framework.Poll).Should(Succeed(), "waiting for one of the replicas to hold the Lease")

		By("stopping the leader, " + leader + ", at once")
		Expect(framework.StopContainer(ctx, leader)).To(Succeed())
		Eventually(ctx, func(g Gomega) {
			g.Expect(holds(ctx, other, leaseHolder(ctx, g))).To(BeTrue(), "the Lease should move to %s", other)
		}).WithTimeout(takeoverTimeout).WithPolling(framework.Poll).Should(Succeed(), "waiting for %s to take the Lease", other)

		By("running a Job under the new leader")
		ns := framework.NewNamespace("leader")
		framework.DeletePodsAfterSpec(ns)
		createJob(ctx, ns, crasherJob("after-takeover", 1, 1, "0"))
		waitForJob(ctx, ns, "after-takeover", "Complete under the new leader", func(g Gomega, j *batchv1.Job) {
			g.Expect(jobCondition(j, batchv1.JobComplete)).NotTo(BeNil(), "conditions: %+v", j.Status.Conditions)
		})
	}, SpecTimeout(disruptiveTimeout))
})
