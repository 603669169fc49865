// Package nodes holds the conformance specs of stage 4: a kubelet on every
// node registers it, renews its Lease, runs the pods bound to it as Docker
// containers (restarting them as their restart policy and probes say),
// reports their status, serves their logs, and adopts what already runs
// when it restarts.
//
// The specs bind their pods themselves, setting spec.nodeName as a stage-4
// client does, so they need no scheduler; pods alternate between the
// suite's nodes. Traffic to pods is checked from a probe container on the
// cluster network; Docker is used directly only to look at a pod's
// containers and, in the one Serial spec, to restart a node.
//
// The package declares its Describes at package level; the one conformance
// suite, e2e/e2e_suite_test.go, runs them by importing it. One file per
// capability; every spec carries Label("nodes", "stage4") and works in a
// namespace of its own, whose pods are deleted, and gone, before it is.
package nodes
