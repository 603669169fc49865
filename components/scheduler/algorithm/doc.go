// Package algorithm is the shim through which the scheduler's shell reaches
// the learner's algorithm (filter → score → pick): built with -tags
// solutions it re-exports the reference in solutions/scheduler, otherwise
// the learner's exercises/scheduler. The shell imports only this package,
// never either implementation. The values both share are in
// components/scheduler/snapshot.
package algorithm
