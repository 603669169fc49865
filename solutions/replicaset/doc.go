// Package replicaset is the core of the ReplicaSet controller: the pure
// decision of how many pods to create and which to delete so that a
// ReplicaSet has spec.replicas pods, and the order in which pods are chosen
// for deletion.
//
// The controller's loop (components/controllers/replicaset) watches
// ReplicaSets and pods, adopts and releases pods by their labels, and then
// calls Manage with the ReplicaSet's wanted count and the pods it owns. It
// carries the decision out — creating pods from the template in slow-start
// batches, deleting the chosen pods — and writes the ReplicaSet's status.
//
// Nothing here does I/O or reads a clock, so each function is tested with a
// table of plain values. Stage 6 of the kit.
package replicaset
