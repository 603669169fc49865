// Package workloads holds the conformance specs of stage 6's workload
// controllers: a ReplicaSet keeps its count of pods, adopting and releasing
// them by their labels, and scales through the scale subresource; a
// Deployment rolls its pods from one template to the next within its
// maxSurge and maxUnavailable, recreates them, pauses, rolls back and says
// when a rollout stalls. The kubectl file drives the same through the stock
// kubectl (create deployment, scale, rollout, set image|env, describe).
//
// Every spec carries Label("workloads", "stage6") and works in a namespace
// of its own; its workloads are deleted, and their pods gone, before the
// namespace is.
package workloads
