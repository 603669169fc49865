// Package nodestate holds the plain values the node lifecycle controller
// (components/controllers/nodelifecycle) and its learner-written core
// (solutions/nodelifecycle, stage 6) share: what is known of a node's
// heartbeat, of a pod's tolerations, and the options of the eviction rate.
// It is a leaf: it imports only API types, so both trees import it and
// neither copies it.
package nodestate

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Heartbeat is what the controller knows of one node's signs of life.
type Heartbeat struct {
	// Node is the node's name.
	Node string
	// Renewed is the renewTime of the node's Lease in kube-node-lease; zero
	// when the node has no Lease (yet).
	Renewed time.Time
	// Registered is the Node's creationTimestamp: a node that has never
	// renewed a Lease counts from when it registered.
	Registered time.Time
}

// Pod is what the taint eviction decision needs of one pod on a tainted node.
type Pod struct {
	// Key names the pod, "namespace/name".
	Key string
	// Tolerations are the pod's spec.tolerations.
	Tolerations []corev1.Toleration
}

// Zone is the health of the cluster's one zone, as kube's node lifecycle
// controller computes it per zone.
type Zone string

const (
	// ZoneNormal: few nodes are down; evict at the primary rate.
	ZoneNormal Zone = "Normal"
	// ZonePartialDisruption: more than two nodes, and at least the
	// unhealthy-zone threshold of them, are not Ready.
	ZonePartialDisruption Zone = "PartialDisruption"
	// ZoneFullDisruption: no node is Ready. The fault is more likely the
	// control plane's or the network's than every machine's: evict nothing.
	ZoneFullDisruption Zone = "FullDisruption"
)

// Rates are the controller-manager's eviction flags, named as kube names them.
type Rates struct {
	// Primary is --node-eviction-rate: nodes per second whose pods may
	// start being evicted while the zone is Normal (kube: 0.1).
	Primary float64
	// Secondary is --secondary-node-eviction-rate: the rate in a partially
	// disrupted zone of a large cluster (kube: 0.01).
	Secondary float64
	// UnhealthyThreshold is --unhealthy-zone-threshold: the fraction of
	// nodes not Ready (of more than two) at which a zone counts as
	// partially disrupted (kube: 0.55).
	UnhealthyThreshold float64
	// LargeClusterSize is --large-cluster-size-threshold: a partially
	// disrupted zone of at most this many nodes evicts nothing at all
	// (kube: 50).
	LargeClusterSize int
}
