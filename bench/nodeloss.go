package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/images"
)

// The node loss benchmark's cluster notices a lost node and evicts its pods
// within seconds, as the e2e suite's does.
const (
	nodeLossHeartbeat  = 2 * time.Second
	nodeLossGrace      = 10 * time.Second
	nodeLossMonitor    = 2 * time.Second
	nodeLossToleration = 5 // seconds
	nodeLossNamespace  = "bench-nodeloss"
	// nodeLossPoll is how often the benchmark looks at the pods and nodes:
	// its figures are this precise.
	nodeLossPoll = 100 * time.Millisecond
)

// nodeLossConfig is what the node loss benchmark does.
type nodeLossConfig struct {
	// Pods is how many pods of a ReplicaSet run on the node stopped.
	Pods int
	// Bound is how long, from the stop, they may take to run elsewhere.
	Bound time.Duration
}

// withNodeLoss sets cfg's periods to the benchmark's.
func withNodeLoss(cfg *cluster.Config) {
	cfg.Node.HeartbeatInterval = nodeLossHeartbeat
	cfg.ControllerManager = cluster.ControllerManagerConfig{NodeMonitorGracePeriod: nodeLossGrace, NodeMonitorPeriod: nodeLossMonitor}
	cfg.APIServer = cluster.APIServerConfig{DefaultNotReadyTolerationSeconds: nodeLossToleration, DefaultUnreachableTolerationSeconds: nodeLossToleration}
}

// nodeLossFigures are what the benchmark measured, each from the stop.
type nodeLossFigures struct {
	cfg  nodeLossConfig
	lost string
	// podStart is one pod's start, alone, on a node that stays: from its
	// create request to its being seen Ready.
	podStart time.Duration
	// unknown, evicted and replaced are when, after the stop, the node
	// was seen Unknown, the first pod seen deleted, and every pod seen
	// Ready elsewhere; 0 if never within the bound.
	unknown, evicted, replaced time.Duration
	// renewed is how long before the stop the node's Lease was last
	// renewed: the grace period runs from then.
	renewed time.Duration
	// back is how long the node took to be Ready again once started.
	back time.Duration
}

// benchNodeLoss runs a ReplicaSet's pods on one node, stops that node's
// container and its pods' (a machine lost), and times the way to every
// pod Running elsewhere: the grace period, the toleration, one pod start.
func benchNodeLoss(ctx context.Context, e *env) (findings, error) {
	fig := &nodeLossFigures{cfg: e.nodeLoss}
	f := findings{nodeLoss: fig}
	nodes := slices.Sorted(slices.Values(e.cluster.Nodes))
	if len(nodes) < 2 {
		return f, fmt.Errorf("node loss needs two nodes, the cluster has %v", nodes)
	}
	fig.lost = nodes[len(nodes)-1]
	others := nodes[:len(nodes)-1]
	if err := e.newNamespace(ctx, nodeLossNamespace); err != nil {
		return f, err
	}
	echo, err := images.Tag("echo", defaultImpl)
	if err != nil {
		return f, err
	}
	fmt.Fprintf(e.progress, "Timing one pod's start on node %s ...\n", others[0])
	if fig.podStart, err = e.onePodStart(ctx, echo, others[0]); err != nil {
		return f, err
	}
	fmt.Fprintf(e.progress, "Running %d pods on node %s ...\n", e.nodeLoss.Pods, fig.lost)
	if err := e.runOn(ctx, echo, others); err != nil {
		return f, err
	}
	fmt.Fprintf(e.progress, "Stopping node %s and its pods' containers ...\n", fig.lost)
	stopped := time.Now()
	if err := e.stopNode(ctx, fig.lost); err != nil {
		return f, err
	}
	if err := e.watchLoss(ctx, fig, others, stopped); err != nil {
		return f, err
	}
	lease, err := e.kube.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, fig.lost, metav1.GetOptions{})
	if err != nil || lease.Spec.RenewTime == nil {
		return f, fmt.Errorf("read the lost node's Lease: %v", err)
	}
	fig.renewed = stopped.Sub(lease.Spec.RenewTime.Time)
	fmt.Fprintf(e.progress, "Starting node %s again ...\n", fig.lost)
	fig.back, err = e.startNode(ctx, fig.lost)
	return f, err
}

// onePodStart times one pod bound to node, from its create to its being
// seen Ready, and deletes it.
func (e *env) onePodStart(ctx context.Context, image, node string) (time.Duration, error) {
	pods := e.kube.CoreV1().Pods(nodeLossNamespace)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "one"}, Spec: corev1.PodSpec{NodeName: node,
		Containers: []corev1.Container{{Name: "app", Image: image}}}}
	start := time.Now()
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return 0, fmt.Errorf("create pod: %w", err)
	}
	var took time.Duration
	err := e.poll(ctx, e.nodeLoss.Bound, func(now time.Time, list []corev1.Pod, _ *corev1.Node) bool {
		for _, p := range list {
			if p.Name == "one" && podReady(&p) {
				took = now.Sub(start)
				return true
			}
		}
		return false
	}, "")
	if err != nil {
		return 0, fmt.Errorf("pod one not Ready: %w", err)
	}
	if err := pods.Delete(ctx, "one", metav1.DeleteOptions{}); err != nil {
		return 0, fmt.Errorf("delete pod one: %w", err)
	}
	return took, nil
}

// runOn creates the ReplicaSet while the other nodes are cordoned, so its
// pods all land on the node to be lost.
func (e *env) runOn(ctx context.Context, image string, others []string) error {
	for _, n := range others {
		if err := e.cordon(ctx, n, true); err != nil {
			return err
		}
	}
	labels := map[string]string{"app": "lost"}
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "lost"}, Spec: appsv1.ReplicaSetSpec{
		Replicas: ptr.To(int32(e.nodeLoss.Pods)), Selector: &metav1.LabelSelector{MatchLabels: labels},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}}}}}
	if _, err := e.kube.AppsV1().ReplicaSets(nodeLossNamespace).Create(ctx, rs, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create replicaset: %w", err)
	}
	err := e.poll(ctx, e.nodeLoss.Bound, func(_ time.Time, pods []corev1.Pod, _ *corev1.Node) bool {
		ready := 0
		for _, p := range pods {
			if p.Labels["app"] == "lost" && podReady(&p) {
				ready++
			}
		}
		return ready >= e.nodeLoss.Pods
	}, "")
	for _, n := range others {
		if cerr := e.cordon(ctx, n, false); cerr != nil && err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("the pods did not all start: %w", err)
	}
	return nil
}

// watchLoss notes when the lost node goes Unknown, its first pod is
// deleted, and every pod is Ready on the others.
func (e *env) watchLoss(ctx context.Context, fig *nodeLossFigures, others []string, stopped time.Time) error {
	err := e.poll(ctx, e.nodeLoss.Bound, func(now time.Time, pods []corev1.Pod, node *corev1.Node) bool {
		since := now.Sub(stopped)
		if fig.unknown == 0 && node != nil && nodeReady(node) == corev1.ConditionUnknown {
			fig.unknown = since
		}
		replaced := 0
		for _, p := range pods {
			if p.Labels["app"] != "lost" {
				continue
			}
			if p.DeletionTimestamp != nil && fig.evicted == 0 {
				fig.evicted = since
			}
			if p.DeletionTimestamp == nil && slices.Contains(others, p.Spec.NodeName) && podReady(&p) {
				replaced++
			}
		}
		if replaced >= e.nodeLoss.Pods {
			fig.replaced = since
			return true
		}
		return false
	}, fig.lost)
	if err != nil {
		return fmt.Errorf("the pods were not all Ready elsewhere within %v of the stop: %w", e.nodeLoss.Bound, err)
	}
	return nil
}

// poll lists the namespace's pods (and node, if named) every nodeLossPoll
// until done says so or bound passes.
func (e *env) poll(ctx context.Context, bound time.Duration, done func(time.Time, []corev1.Pod, *corev1.Node) bool, node string) error {
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	tick := time.NewTicker(nodeLossPoll)
	defer tick.Stop()
	for {
		list, err := e.kube.CoreV1().Pods(nodeLossNamespace).List(ctx, metav1.ListOptions{})
		var n *corev1.Node
		if err == nil && node != "" {
			n, err = e.kube.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		}
		if err == nil && done(time.Now(), list.Items, n) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// stopNode stops node's container, then its pods' containers.
func (e *env) stopNode(ctx context.Context, node string) error {
	docker, err := cluster.Docker(ctx)
	if err != nil {
		return err
	}
	defer docker.Close()
	list, err := docker.ContainerList(ctx, container.ListOptions{Filters: filters.NewArgs(
		filters.Arg("label", cluster.LabelCluster+"="+e.cluster.Name), filters.Arg("label", cluster.LabelNode+"="+node))})
	if err != nil {
		return fmt.Errorf("list the containers of node %s: %w", node, err)
	}
	slices.SortStableFunc(list, func(a, b container.Summary) int {
		if a.Labels[cluster.LabelComponent] == cluster.Node {
			return -1
		}
		if b.Labels[cluster.LabelComponent] == cluster.Node {
			return 1
		}
		return 0
	})
	for _, c := range list {
		if err := docker.ContainerStop(ctx, c.ID, container.StopOptions{Timeout: ptr.To(0)}); err != nil {
			return fmt.Errorf("stop container %s: %w", c.Names, err)
		}
	}
	return nil
}

// startNode starts node's container again and waits until it is Ready.
func (e *env) startNode(ctx context.Context, node string) (time.Duration, error) {
	docker, err := cluster.Docker(ctx)
	if err != nil {
		return 0, err
	}
	defer docker.Close()
	start := time.Now()
	if err := docker.ContainerStart(ctx, node, container.StartOptions{}); err != nil {
		return 0, fmt.Errorf("start node %s: %w", node, err)
	}
	err = e.poll(ctx, e.nodeLoss.Bound, func(_ time.Time, _ []corev1.Pod, n *corev1.Node) bool {
		return n != nil && nodeReady(n) == corev1.ConditionTrue
	}, node)
	if err != nil {
		return 0, fmt.Errorf("node %s not Ready again: %w", node, err)
	}
	return time.Since(start), nil
}

func (e *env) cordon(ctx context.Context, node string, on bool) error {
	patch := fmt.Appendf(nil, `{"spec":{"unschedulable":%t}}`, on)
	if _, err := e.kube.CoreV1().Nodes().Patch(ctx, node, types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("cordon node %s (%t): %w", node, on, err)
	}
	return nil
}

func podReady(p *corev1.Pod) bool {
	return slices.ContainsFunc(p.Status.Conditions, func(c corev1.PodCondition) bool {
		return c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue
	})
}

func nodeReady(n *corev1.Node) corev1.ConditionStatus {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status
		}
	}
	return corev1.ConditionUnknown
}

// floor is the least the replacement can take, from the stop: the grace
// period (which runs from the last renewal, before the stop), the
// toleration, and one pod start.
func (f *nodeLossFigures) floor() time.Duration {
	return nodeLossGrace - f.renewed + nodeLossToleration*time.Second + f.podStart
}

func (f *nodeLossFigures) print(w io.Writer) {
	fmt.Fprintf(w, "pods:     %d of a ReplicaSet on node %s; its container and its pods' stopped at once, as a machine lost\n", f.cfg.Pods, f.lost)
	fmt.Fprintf(w, "periods:  Lease renewed every %v, grace %v (--node-monitor-grace-period), monitor %v, tolerations %ds (--default-unreachable-toleration-seconds)\n",
		nodeLossHeartbeat, nodeLossGrace, nodeLossMonitor, nodeLossToleration)
	fmt.Fprintf(w, "seen:     every %v; times from the stop\n", nodeLossPoll)
	fmt.Fprintf(w, "last renewal         %6.1fs   before the stop: the grace period runs from it\n", -f.renewed.Seconds())
	fmt.Fprintf(w, "node Unknown         %6.1fs   (grace %v from the last renewal: %.1fs)\n", f.unknown.Seconds(), nodeLossGrace, (nodeLossGrace - f.renewed).Seconds())
	fmt.Fprintf(w, "first pod evicted    %6.1fs   (toleration %ds after the taint, whose timeAdded has whole seconds: up to 1s early)\n", f.evicted.Seconds(), nodeLossToleration)
	fmt.Fprintf(w, "all Ready elsewhere  %6.1fs   floor %.1fs = grace %v − %.1fs + toleration %ds + one pod start %.1fs (alone, create to Ready): %.2fx the floor\n",
		f.replaced.Seconds(), f.floor().Seconds(), nodeLossGrace, f.renewed.Seconds(), nodeLossToleration, f.podStart.Seconds(),
		f.replaced.Seconds()/f.floor().Seconds())
	fmt.Fprintf(w, "node Ready again     %6.1fs   after its container was started\n", f.back.Seconds())
}
