// Package nodelifecycle is the node lifecycle controller of the
// controller-manager, as kube's pkg/controller/nodelifecycle and its
// taint-eviction controller (pkg/controller/tainteviction) are, in one
// controller with two loops keyed by node name:
//
//   - The health loop reads each node's Lease in kube-node-lease, renewed by
//     its kubelet. A node silent for longer than --node-monitor-grace-period
//     gets every condition Unknown (reason NodeStatusUnknown, "Kubelet
//     stopped posting node status.") and an Event NodeNotReady; its pods get
//     Ready=False (kube's MarkPodsNotReady). A node whose Ready is Unknown is
//     tainted node.kubernetes.io/unreachable, one whose Ready is False
//     node.kubernetes.io/not-ready, each with effects NoSchedule (kube's
//     TaintNodesByCondition) and NoExecute; a Ready node loses them.
//     NoExecute taints are added at --node-eviction-rate nodes per second,
//     slower or not at all when much of the cluster is down: the cluster is
//     one zone, and kube's --unhealthy-zone-threshold and
//     --large-cluster-size-threshold apply to it (see
//     solutions/nodelifecycle.EvictionRate). A NoExecute taint already on a
//     node is swapped (not-ready ⇄ unreachable) without waiting for the rate.
//   - The eviction loop deletes the pods of a node with NoExecute taints:
//     at once those that do not tolerate them, after their
//     tolerationSeconds those that do (each eviction an Event
//     TaintManagerEviction), coming back when the next toleration ends.
//
// Deleted pods of a lost node stay Terminating, as in Kubernetes, until its
// kubelet comes back and confirms them gone; controllers do not count them,
// so a ReplicaSet replaces them at once.
//
// Where it differs from kube: pods are marked not Ready only on a node
// whose Ready is Unknown (kube also does it for Ready=False, where the
// kit's kubelet, still alive, would write them Ready again); a pod's
// tolerationSeconds run from its taint's timeAdded, which the API keeps in
// whole seconds, so an eviction may come up to a second early (kube's
// taint manager counts from when it first saw the taint, in memory).
//
// The decisions — which nodes are gone, how fast to taint, which pods to
// evict — are the learner's (solutions/nodelifecycle, stage 6), reached
// through the shim package core. The kit's kubelet reports only the Ready
// condition, so conditions the node does not carry are not added, except
// Ready itself (reason NodeStatusNeverUpdated) on a node that never
// reported it.
package nodelifecycle
