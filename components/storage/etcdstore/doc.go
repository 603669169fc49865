// Package etcdstore is the shim through which the kit reaches the learner's
// store core: built with -tags solutions it re-exports the reference in
// solutions/etcdstore, otherwise the learner's exercises/etcdstore. The
// components import only this package, never either implementation.
package etcdstore
