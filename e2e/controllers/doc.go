// Package controllers holds the conformance specs of stage 6 that the
// controller-manager passes: node lifecycle (a lost node is marked Unknown,
// tainted, its pods evicted after their tolerations, and it comes back
// clean), Jobs, DaemonSets, StatefulSets, PodDisruptionBudgets (kubectl
// drain evicts within the budget), and the controller-manager's leader
// election.
//
// The specs that stop containers (a node, the leading controller-manager)
// are Serial and labelled disruptive: they run alone, and they restore the
// cluster — both nodes Ready and untainted, one controller-manager — before
// the next spec. The suite's cluster notices a lost node within
// framework.NodeMonitorGracePeriod and evicts pods
// framework.TolerationSeconds later.
//
// The package declares its Describes at package level; the one conformance
// suite, e2e/e2e_suite_test.go, runs them by importing it.
package controllers
