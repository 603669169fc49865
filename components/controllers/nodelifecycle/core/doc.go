// Package core is the shim through which the node lifecycle controller
// reaches the learner's core (which nodes are gone, how fast to evict,
// which pods to evict): built with -tags solutions it re-exports the
// reference in solutions/nodelifecycle, otherwise the learner's
// exercises/nodelifecycle. The controller imports only this package.
package core
