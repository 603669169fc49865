// Package scheduling holds the conformance specs of stage 5: the scheduler
// binds every pod that has no node, to a node that can take it, and says
// why when none can. Each spec creates its pods without spec.nodeName and
// lets the cluster's scheduler place them among the suite's nodes
// (framework.NodeCount of them, each offering framework.NodeCPU), then
// watches the kubelet run them; traffic is checked from a probe container
// on the cluster network.
//
// The package declares its Describes at package level; the one conformance
// suite, e2e/e2e_suite_test.go, runs them by importing it. One file per
// capability; every spec carries Label("scheduling", "stage5") and works in
// a namespace of its own, whose pods are deleted, and gone, before it is.
package scheduling
