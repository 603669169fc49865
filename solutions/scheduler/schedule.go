package scheduler

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/scheduler/snapshot"
)

//ownkube:begin stage=5

// Schedule picks the node pod should run on from the nodes of snap: the
// feasible nodes (Feasible) are scored (Score) and the best is picked
// (Pick). When no node can take the pod, the error is the *FitError made
// by Unschedulable; any other error means the decision could not be made.
func Schedule(pod *corev1.Pod, snap *snapshot.Snapshot) (string, error) {
	info := snapshot.NewPodInfo(pod)
	feasible, err := Feasible(info, snap.Nodes)
	if err != nil {
		return "", err
	}
	scores, err := Score(info, feasible)
	if err != nil {
		return "", err
	}
	return Pick(scores)
}

// Feasible returns the nodes that can take pod, by Filter. When none can,
// the error is Unschedulable's, counting for each reason the nodes that
// gave it; a node counts once for each reason it gave.
func Feasible(pod *snapshot.PodInfo, nodes []*snapshot.NodeInfo) ([]*snapshot.NodeInfo, error) {
	feasible := make([]*snapshot.NodeInfo, 0, len(nodes))
	var reasons map[string]int
	for _, n := range nodes {
		err := Filter(pod, n)
		unfit, refused := errors.AsType[*snapshot.Unfit](err)
		switch {
		case err == nil:
			feasible = append(feasible, n)
		case refused:
			if reasons == nil {
				reasons = map[string]int{}
			}
			for _, r := range unfit.Reasons {
				reasons[r]++
			}
		default:
			return nil, fmt.Errorf("filter node %s: %w", n.Name(), err)
		}
	}
	if len(feasible) == 0 {
		return nil, Unschedulable(len(nodes), reasons)
	}
	return feasible, nil
}

// Unschedulable returns the *FitError for a pod that none of numNodes
// nodes can take, reasons counting the nodes that refused it for each
// reason. Its message is kube-scheduler's:
//
//	0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector.
//
// each reason preceded by its count, the "count reason" strings sorted as
// strings (as kube sorts them), joined by ", ", ending with a full stop.
// With no nodes at all, the message is NoNodesMessage.
func Unschedulable(numNodes int, reasons map[string]int) error {
	if numNodes == 0 {
		return &snapshot.FitError{Reasons: reasons, Message: snapshot.NoNodesMessage}
	}
	counted := make([]string, 0, len(reasons))
	for reason, n := range reasons {
		counted = append(counted, fmt.Sprintf("%d %s", n, reason))
	}
	slices.Sort(counted)
	msg := fmt.Sprintf("0/%d nodes are available:", numNodes)
	if len(counted) > 0 {
		msg += " " + strings.Join(counted, ", ") + "."
	}
	return &snapshot.FitError{NumNodes: numNodes, Reasons: reasons, Message: msg}
}

// Filter answers nil when node can take pod, or an *Unfit saying why not.
// The checks run in kube's order, and the first that refuses the node
// speaks for it: the node is Ready, it is schedulable, the pod tolerates
// its NoSchedule and NoExecute taints, its labels match the pod's
// nodeSelector, the pod's host ports are free there, and the pod's
// requests fit beside the pods already bound there. Any other error means
// the node could not be judged.
func Filter(pod *snapshot.PodInfo, node *snapshot.NodeInfo) error {
	if node.Node == nil {
		return errors.New("scheduler: a NodeInfo without its node cannot be judged")
	}
	checks := [...]func(*snapshot.PodInfo, *snapshot.NodeInfo) error{
		checkReady, checkUnschedulable, checkTaints, checkNodeSelector, checkHostPorts, checkResources,
	}
	for _, check := range checks {
		if err := check(pod, node); err != nil {
			return err
		}
	}
	return nil
}

// checkReady refuses a node whose condition Ready is not True
// (ReasonNotReady).
func checkReady(pod *snapshot.PodInfo, node *snapshot.NodeInfo) error {
	for _, c := range node.Node.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			return nil
		}
	}
	return snapshot.Refuse(snapshot.ReasonNotReady)
}

// checkUnschedulable refuses a node marked spec.unschedulable (cordoned)
// with ReasonUnschedulable, unless the pod tolerates the taint
// node.kubernetes.io/unschedulable:NoSchedule, as DaemonSet pods do.
func checkUnschedulable(pod *snapshot.PodInfo, node *snapshot.NodeInfo) error {
	if !node.Node.Spec.Unschedulable {
		return nil
	}
	taint := corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}
	err := checkToleration(pod.Pod.Spec.Tolerations, &taint)
	if _, untolerated := errors.AsType[*snapshot.Unfit](err); untolerated {
		return snapshot.Refuse(snapshot.ReasonUnschedulable)
	}
	return err
}

// checkTaints refuses a node with a NoSchedule or NoExecute taint that the
// pod does not tolerate, naming the first such taint
// (ReasonUntoleratedTaint). PreferNoSchedule taints never refuse.
func checkTaints(pod *snapshot.PodInfo, node *snapshot.NodeInfo) error {
	for i := range node.Node.Spec.Taints {
		taint := &node.Node.Spec.Taints[i]
		if taint.Effect == corev1.TaintEffectPreferNoSchedule {
			continue
		}
		if err := checkToleration(pod.Pod.Spec.Tolerations, taint); err != nil {
			return err
		}
	}
	return nil
}

// checkToleration answers nil when one of tolerations tolerates taint,
// else an *Unfit naming the taint. A toleration tolerates a taint when its
// effect is empty or the taint's, and either its operator is Exists and
// its key empty (every taint) or the taint's, or its operator is Equal
// (or empty) with the taint's key and value.
func checkToleration(tolerations []corev1.Toleration, taint *corev1.Taint) error {
	for _, t := range tolerations {
		effect := t.Effect == "" || t.Effect == taint.Effect
		exists := t.Operator == corev1.TolerationOpExists && (t.Key == "" || t.Key == taint.Key)
		equal := t.Operator != corev1.TolerationOpExists && t.Key == taint.Key && t.Value == taint.Value
		if effect && (exists || equal) {
			return nil
		}
	}
	return snapshot.Refuse(snapshot.ReasonUntoleratedTaint(taint))
}

// checkNodeSelector refuses a node whose labels lack one of the pod's
// nodeSelector pairs (ReasonNodeSelector).
func checkNodeSelector(pod *snapshot.PodInfo, node *snapshot.NodeInfo) error {
	for key, want := range pod.Pod.Spec.NodeSelector {
		if got, ok := node.Node.Labels[key]; !ok || got != want {
			return snapshot.Refuse(snapshot.ReasonNodeSelector)
		}
	}
	return nil
}

// checkHostPorts refuses a node where a host port the pod asks for is in
// use (ReasonHostPorts): same port and protocol ("" is TCP), and the same
// IP, or either IP meaning every address ("" or 0.0.0.0).
func checkHostPorts(pod *snapshot.PodInfo, node *snapshot.NodeInfo) error {
	const anyIP = "0.0.0.0"
	for _, want := range pod.HostPorts {
		for used := range node.UsedPorts {
			if want.Port != used.Port || cmp.Or(want.Protocol, corev1.ProtocolTCP) != cmp.Or(used.Protocol, corev1.ProtocolTCP) {
				continue
			}
			wantIP, usedIP := cmp.Or(want.IP, anyIP), cmp.Or(used.IP, anyIP)
			if wantIP == usedIP || wantIP == anyIP || usedIP == anyIP {
				return snapshot.Refuse(snapshot.ReasonHostPorts)
			}
		}
	}
	return nil
}

// checkResources refuses a node that would hold more pods than its
// allocatable pods (ReasonTooManyPods), or where the pod's cpu or memory
// request, when not zero, exceeds the allocatable left by the pods bound
// there (ReasonInsufficientCPU, ReasonInsufficientMemory). It gives every
// reason that applies, in that order.
func checkResources(pod *snapshot.PodInfo, node *snapshot.NodeInfo) error {
	var reasons []string
	if node.NumPods()+1 > node.AllowedPods {
		reasons = append(reasons, snapshot.ReasonTooManyPods)
	}
	free := node.Allocatable.Sub(node.Requested)
	if pod.Requests.MilliCPU > 0 && pod.Requests.MilliCPU > free.MilliCPU {
		reasons = append(reasons, snapshot.ReasonInsufficientCPU)
	}
	if pod.Requests.Memory > 0 && pod.Requests.Memory > free.Memory {
		reasons = append(reasons, snapshot.ReasonInsufficientMemory)
	}
	if len(reasons) > 0 {
		return snapshot.Refuse(reasons...)
	}
	return nil
}

// Score scores each of nodes, all feasible for pod, in the order given, as
// the package doc says: LeastAllocatedWeight × least-allocated +
// SpreadWeight × spread, each 0–MaxScore. Every step is integer arithmetic
// that truncates, as kube's scoring does, so the scores are exact:
//
//   - for cpu (MilliCPU) and for memory, with used = NonZeroRequested +
//     the pod's NonZeroRequests: free = (allocatable − used) × MaxScore /
//     allocatable, truncated (0 when used exceeds allocatable or
//     allocatable is 0);
//   - least-allocated = (free cpu + free memory) / 2, truncated: 72.5% and
//     75% free give free 72 and 75, and least-allocated 73 (not 74, as
//     rounding the exact average 73.75 would);
//   - spread = MaxScore × (most − here) / most, truncated, where here
//     counts the pods of the pod's owner on the node and most is the
//     largest such count over nodes; MaxScore everywhere when most is 0.
//
// A NodeInfo without its Node cannot be scored: that is the error.
func Score(pod *snapshot.PodInfo, nodes []*snapshot.NodeInfo) ([]snapshot.NodeScore, error) {
	free := func(requested, allocatable int64) int64 {
		if allocatable <= 0 || requested > allocatable {
			return 0
		}
		return (allocatable - requested) * snapshot.MaxScore / allocatable
	}
	most := 0
	for _, n := range nodes {
		most = max(most, n.OwnedPods(pod.Owner))
	}
	scores := make([]snapshot.NodeScore, len(nodes))
	for i, n := range nodes {
		if n.Node == nil {
			return nil, errors.New("scheduler: a NodeInfo without its node cannot be scored")
		}
		after := n.NonZeroRequested.Add(pod.NonZeroRequests)
		least := (free(after.MilliCPU, n.Allocatable.MilliCPU) + free(after.Memory, n.Allocatable.Memory)) / 2
		spread := int64(snapshot.MaxScore)
		if most > 0 {
			spread = int64(snapshot.MaxScore * (most - n.OwnedPods(pod.Owner)) / most)
		}
		scores[i] = snapshot.NodeScore{Name: n.Node.Name, Score: snapshot.LeastAllocatedWeight*least + snapshot.SpreadWeight*spread}
	}
	return scores, nil
}

// Pick returns the name of the node with the highest score; among equal
// scores, the name that sorts first, so that a decision is reproducible.
// With no scores at all, the error is ErrNoNodes.
func Pick(scores []snapshot.NodeScore) (string, error) {
	if len(scores) == 0 {
		return "", snapshot.ErrNoNodes
	}
	best := scores[0]
	for _, s := range scores[1:] {
		if s.Score > best.Score || (s.Score == best.Score && s.Name < best.Name) {
			best = s
		}
	}
	return best.Name, nil
}

//ownkube:end
