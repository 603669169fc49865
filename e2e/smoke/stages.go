package smoke

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/docker/docker/api/types/network"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/e2e/framework"
)

// The coupled stages' topologies: stage 1 is the cluster's network alone,
// where the CLI starts its push nodes; stage 2 adds etcd, where the CLI
// keeps its records. These specs need no learner code (label given) and
// prove the topology came up, so a stage-1 or stage-2 failure is the
// learner's, not the harness's.
var _ = Describe("Bring-up of the coupled stages", Label("smoke"), func() {
	It("should give the CLI's nodes a network of the cluster's own", Label("stage1", "given"), func(ctx SpecContext) {
		c := framework.Cluster()
		n, err := framework.Docker().NetworkInspect(ctx, c.Network, network.InspectOptions{})
		Expect(err).NotTo(HaveOccurred(), "inspect network %s", c.Network)
		Expect(n.Labels).To(HaveKeyWithValue(cluster.LabelCluster, c.Name), "the network should carry the cluster's label")
		Expect(c.Subnet).NotTo(BeEmpty(), "the cluster should report its subnet")
	}, SpecTimeout(30*time.Second))

	It("should serve etcd on the host for the CLI's records", Label("stage2", "given"), func(ctx SpecContext) {
		c := framework.Cluster()
		Expect(c.EtcdURL).To(HavePrefix("http://127.0.0.1:"), "etcd should be published on the host")
		Eventually(ctx, func(g Gomega) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.EtcdURL+"/readyz", nil)
			g.Expect(err).NotTo(HaveOccurred())
			resp, err := http.DefaultClient.Do(req)
			g.Expect(err).NotTo(HaveOccurred(), "GET %s/readyz", c.EtcdURL)
			defer resp.Body.Close()
			g.Expect(resp.StatusCode).To(Equal(http.StatusOK), "etcd's /readyz")
		}).WithTimeout(20*time.Second).WithPolling(500*time.Millisecond).Should(Succeed(), "waiting for etcd to answer ready")
	}, SpecTimeout(30*time.Second))
})
