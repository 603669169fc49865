// Package scheduler is the shell around the scheduling algorithm: it
// watches the API server, places every pod that has no node, one at a
// time, and binds it. `ownkube scheduler` runs it; the algorithm itself —
// filter, score, pick — is the learner's, reached through the shim
// package algorithm (solutions/scheduler, or exercises/scheduler).
//
// The flow of one pod:
//
//  1. Informers on pods and nodes feed a cache (cluster): a NodeInfo per
//     node, counting the pods bound to it, updated one event at a time.
//     A pod without a node, whose spec.schedulerName is ours and that is
//     not being deleted, is enqueued by its key, namespace/name.
//  2. The one worker takes a key and asks the algorithm for a node over
//     the cache's snapshot (sync). The pod is "assumed" on that node in
//     the cache at once, so the next decision already sees the room it
//     takes, and the binding (pods/binding) is written in the background.
//     When the informer shows the pod bound, the assumption becomes fact;
//     a binding refused with 409 (someone else bound it, or it is being
//     deleted) is forgotten, and nothing is retried.
//  3. A pod that fits nowhere gets condition PodScheduled=False with reason
//     Unschedulable and kube's message ("0/3 nodes are available: …"), set
//     only when it changed, and a Warning event FailedScheduling. It is
//     parked until the cluster changes in a way that could make room: a
//     node added or changed, a bound pod deleted, finished or resized.
//     Each retry waits for the pod's back-off, doubled per failure from
//     InitialBackoff to MaxBackoff, so nothing loops hot.
//
// Decisions are O(nodes): nothing is listed from the API per pod, and the
// cache is never rebuilt. Logs: a line per decision and per binding at
// debug level, a line per pod that fits nowhere at info, failures of the
// scheduler itself at error.
package scheduler
