// Package garbagecollector deletes what its owners no longer hold, as
// Kubernetes' garbage collector does (pkg/controller/garbagecollector):
//
//   - It watches every served resource that can be listed, watched and
//     deleted, and keeps a graph of who owns whom from the objects'
//     ownerReferences.
//   - When an owner is gone (deleted with the default Background policy),
//     each of its dependents is looked at: one whose owners are all gone is
//     deleted; one that has other owners left loses only the dangling
//     reference. An owner missing from the graph is confirmed gone with a
//     live read before anything is deleted, since informers lag.
//   - An owner deleted with Foreground waits, held by the API server's
//     foregroundDeletion finalizer, until its dependents are gone; then the
//     collector removes the finalizer and the API server removes the owner.
//   - An owner deleted with Orphan waits, held by the orphan finalizer, until
//     the collector has removed its reference from every dependent.
//
// The API server's part is deletionTimestamp and setting those finalizers
// (stage 3); this collector's part runs in the controller-manager (stage 6).
package garbagecollector
