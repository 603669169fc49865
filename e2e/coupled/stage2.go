package coupled

import (
	"context"
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("The coupled CLI with etcd", Label("stage2", "coupled"), func() {
	var etcdFlag []string
	var node, ns string

	BeforeEach(func(ctx SpecContext) {
		url := framework.Cluster().EtcdURL
		if url == "" {
			Fail("the stage-2 specs need etcd, and this topology runs none: run them with OWNKUBE_STAGE=2 or later, or on the full topology")
		}
		etcdFlag = []string{"--etcd", url}
		node = newNode(ctx, etcdFlag...)
		ns = newName("ns")
	}, NodeTimeout(2*time.Minute))

	It("should keep nodes and pods in etcd under /ownkube/, where a fresh CLI run lists them", func(ctx SpecContext) {
		pod := newName("web")
		mustCLI(ctx, append([]string{"pod", "create", "-f", manifest(pod), "--node", node, "-n", ns}, etcdFlag...)...)

		By("reading etcd itself")
		keys := etcdKeys(ctx, "/ownkube/")
		Expect(keys).To(ContainElements("/ownkube/nodes/"+node, "/ownkube/pods/"+ns+"/"+pod),
			"the CLI records its nodes and pods under /ownkube/")
		Expect(etcdKeys(ctx, "/registry/pods/"+ns+"/")).To(BeEmpty(), "the CLI never writes the API server's /registry/")

		By("listing with new CLI processes")
		nodes := mustCLI(ctx, append([]string{"node", "list"}, etcdFlag...)...)
		Expect(row(nodes.Stdout, node)).To(ContainElements(node, "Ready"), "`node list --etcd`:\n%s", nodes.Stdout)
		pods := mustCLI(ctx, append([]string{"pod", "list", "-n", ns}, etcdFlag...)...)
		Expect(row(pods.Stdout, pod)).To(HaveExactElements(pod, node, "Running", "0", Not(BeEmpty())),
			"the record holds the status the node answered with:\n%s", pods.Stdout)

		By("deleting the pod: its record goes too")
		mustCLI(ctx, append([]string{"pod", "delete", pod, "-n", ns}, etcdFlag...)...)
		Expect(etcdKeys(ctx, "/ownkube/pods/"+ns+"/")).To(BeEmpty())
	}, SpecTimeout(specTimeout))

	It("should let exactly one of two concurrent creates of one pod win", func(ctx SpecContext) {
		pod := newName("web")
		path := manifest(pod)
		results := concurrently(2, func(int) framework.CLIResult {
			return cli(ctx, append([]string{"pod", "create", "-f", path, "--node", node, "-n", ns}, etcdFlag...)...)
		})
		var won, lost []framework.CLIResult
		for _, r := range results {
			if r.Err == nil {
				won = append(won, r)
			} else {
				lost = append(lost, r)
			}
		}
		Expect(won).To(HaveLen(1), "exactly one create should succeed: %v", results)
		Expect(lost[0].Stderr).To(ContainSubstring("already exists"), "the loser says the name is taken")
		Expect(podContainersOn(ctx, node)).To(HaveLen(2), "one pod runs: a pause and an app container")
	}, SpecTimeout(specTimeout))

	It("should keep every label of 10 concurrent pod label runs with distinct keys", func(ctx SpecContext) {
		pod := newName("web")
		mustCLI(ctx, append([]string{"pod", "create", "-f", manifest(pod), "--node", node, "-n", ns}, etcdFlag...)...)
		const writers = 10
		results := concurrently(writers, func(i int) framework.CLIResult {
			return cli(ctx, append([]string{"pod", "label", pod, fmt.Sprintf("k%d=v", i), "-n", ns}, etcdFlag...)...)
		})
		for _, r := range results {
			Expect(r.Err).NotTo(HaveOccurred(), "%s", r)
		}
		labels := getPod(ctx, ns, pod, etcdFlag...).Labels
		for i := range writers {
			Expect(labels).To(HaveKeyWithValue(fmt.Sprintf("k%d", i), "v"),
				"a label written concurrently was lost: a stale write must fail its compare-and-swap and be retried")
		}
	}, SpecTimeout(specTimeout))
})

// concurrently runs fn(0..n-1) at once and returns the results in order.
func concurrently(n int, fn func(i int) framework.CLIResult) []framework.CLIResult {
	results := make([]framework.CLIResult, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i] = fn(i) })
	}
	wg.Wait()
	return results
}

// etcdKeys lists the keys under prefix in the suite's etcd.
func etcdKeys(ctx context.Context, prefix string) []string {
	GinkgoHelper()
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{framework.Cluster().EtcdURL}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	Expect(err).NotTo(HaveOccurred())
	defer c.Close()
	resp, err := c.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithKeysOnly())
	Expect(err).NotTo(HaveOccurred(), "read etcd under %s", prefix)
	keys := make([]string, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		keys = append(keys, string(kv.Key))
	}
	return keys
}
