package scheduler_test

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/scheduler/snapshot"
	"github.com/ownkube/ownkube/solutions/scheduler"
)

// BenchmarkSchedule1000Nodes measures one decision over 1,000 nodes that
// each run 10 pods, a tenth of them tainted and a tenth labelled: the
// algorithm's share of the scheduler's ≥ 1,000 pods/s target.
func BenchmarkSchedule1000Nodes(b *testing.B) {
	nodes := make([]*snapshot.NodeInfo, 1000)
	for i := range nodes {
		var opts []func(*corev1.Node)
		switch i % 10 {
		case 0:
			opts = append(opts, tainted("dedicated", "gpu", corev1.TaintEffectNoSchedule))
		case 1:
			opts = append(opts, labelled("disk", "ssd"))
		}
		n := info(node(fmt.Sprintf("node-%04d", i), "16", "64Gi", 110, opts...))
		for j := range 10 {
			n.AddPod(snapshot.NewPodInfo(pod(fmt.Sprintf("p-%d-%d", i, j), "100m", "128Mi", ownedBy(fmt.Sprintf("rs-%d", j%3)))))
		}
		nodes[i] = n
	}
	snap := snapshotOf(nodes...)
	p := pod("new", "250m", "256Mi", ownedBy("rs-1"))
	for b.Loop() {
		if _, err := scheduler.Schedule(p, snap); err != nil {
			b.Fatalf("Schedule: %v", err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}
