package nodes

import (
	"context"
	"slices"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

// nodesLabels are the labels of every spec here.
var nodesLabels = Label("nodes", "stage4")

const (
	// specTimeout bounds a whole spec.
	specTimeout = 3 * time.Minute
	// restartTimeout bounds the wait for a container to be restarted
	// (twice): a kubelet notices an exit within its relist (1s) and
	// backs off framework.BackoffBase, doubling, up to BackoffCap.
	restartTimeout = 90 * time.Second
	// heartbeatTimeout bounds the wait for a Lease renewal (every 5s).
	heartbeatTimeout = 30 * time.Second
	// quietPeriod is how long a state is watched not changing.
	quietPeriod = 3 * time.Second
)

// placed counts the pods bound by bindToNode, which alternates nodes.
var placed atomic.Int64

// bindToNode sets pod's spec.nodeName, as a client of stage 4 does: the
// next of the suite's nodes in turn.
func bindToNode(pod *corev1.Pod) *corev1.Pod {
	names := slices.Sorted(slices.Values(framework.Cluster().Nodes))
	Expect(names).NotTo(BeEmpty(), "the cluster has no nodes")
	pod.Spec.NodeName = names[int(placed.Add(1))%len(names)]
	return pod
}

// create creates pod in namespace ns.
func create(ctx context.Context, ns string, pod *corev1.Pod) *corev1.Pod {
	GinkgoHelper()
	created, err := framework.Client().CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create pod %s/%s", ns, pod.Name)
	return created
}

// waitRunning waits until pod ns/name is Running with an IP.
func waitRunning(ctx context.Context, ns, name string) *corev1.Pod {
	GinkgoHelper()
	return framework.WaitForPod(ctx, ns, name, framework.PodStartTimeout, "Running with an IP",
		func(g Gomega, pod *corev1.Pod) {
			g.Expect(pod.Status.Phase).To(Equal(corev1.PodRunning), framework.DescribePod(pod))
			g.Expect(pod.Status.PodIP).NotTo(BeEmpty(), framework.DescribePod(pod))
		})
}

// appStatus returns the status of the pod's container "app", failing if
// there is none yet.
func appStatus(g Gomega, pod *corev1.Pod) *corev1.ContainerStatus {
	cs := framework.ContainerStatus(pod, "app")
	g.Expect(cs).NotTo(BeNil(), "no status of container app yet: %s", framework.DescribePod(pod))
	return cs
}
