// Package core is the shim through which the ReplicaSet controller reaches
// the learner's core (Manage): built with -tags solutions it
// re-exports the reference in solutions/replicaset, otherwise the learner's
// exercises/replicaset. The controller imports only this package.
package core
