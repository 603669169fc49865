// Package replicaset is the ReplicaSet controller, as kube-controller-manager's
// pkg/controller/replicaset: it keeps spec.replicas pods matching each
// ReplicaSet's selector.
//
// One sync of a ReplicaSet, in order:
//
//  1. claim: adopt orphan pods its selector matches, release owned pods it
//     no longer matches (both by patching the pod's ownerReferences, as
//     kube's ControllerRefManager does);
//  2. if its expectations are met (the informer has shown every create and
//     delete of the last sync), ask the core (core.Manage, the learner's)
//     how many pods to create and which to delete, and do it: creates in
//     slow-start batches of 1, 2, 4, … so a template the API refuses costs
//     one request, not hundreds;
//  3. write status (replicas, fullyLabeledReplicas, readyReplicas,
//     availableReplicas, observedGeneration) through /status, and come back
//     after minReadySeconds while a Ready pod is not yet available.
//
// The pods informer drives it: a pod's add, update or delete enqueues its
// controller (or, for an orphan, every ReplicaSet that selects it).
package replicaset
