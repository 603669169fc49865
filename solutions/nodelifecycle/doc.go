// Package nodelifecycle is the core of the node lifecycle controller: pure
// functions that decide which nodes are gone and which of their pods must
// go with them.
//
// The controller's loop (components/controllers/nodelifecycle) watches the
// Nodes, their Leases in kube-node-lease and the pods bound to them, and
// calls into this package:
//
//  1. Unreachable tells, from each node's last Lease renewal, which nodes
//     have been silent for longer than the grace period
//     (--node-monitor-grace-period) and when to look again. The loop marks
//     those nodes' conditions Unknown and taints them
//     node.kubernetes.io/unreachable.
//  2. EvictionRate tells, from how many nodes are Ready, how fast nodes may
//     be tainted NoExecute: losing most nodes at once is more likely a
//     fault of the network or the control plane than of every machine, and
//     evicting everything would only make it worse.
//  3. Evictions tells, for the pods of a node with NoExecute taints, which
//     to delete now — those that do not tolerate a taint, or whose
//     tolerationSeconds have run out — and when the next toleration ends.
//
// Nothing here does I/O or reads a clock: every function is given the
// time, so each can be tested with a table of plain values. Stage 6 of the
// kit.
package nodelifecycle
