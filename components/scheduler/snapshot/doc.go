// Package snapshot holds the values the scheduler's shell (components/scheduler)
// and the learner's algorithm (solutions/scheduler, stage 5) share: a pod's
// requests and ports (PodInfo), a node and the sums over the pods bound to it
// (NodeInfo), the Snapshot of all nodes a decision sees, the scores and the
// reasons a node refuses a pod, in kube-scheduler's words.
//
// It is given code, imported by both solutions/ and exercises/, so a learner's
// workspace holds only what the learner writes.
package snapshot
