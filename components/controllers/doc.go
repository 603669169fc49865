// Package controllers is the controller-manager: one process running every
// controller that drives the cluster's actual state toward its desired state,
// as kube-controller-manager does.
//
// Each controller lives in a package of its own under this one and has the
// shape of package controller: informers from the one shared factory, a
// queue of keys, a sync per key, writes through the API with optimistic
// concurrency. The decision each controller makes — how many pods a
// ReplicaSet lacks and which to delete, which nodes are gone and which pods
// to evict, which addresses a Service has — is a pure function the learner
// writes (solutions/, stages 6 and 7); the loop around it is given.
//
// Manager.Run takes part in leader election through a Lease in kube-system
// (kube-controller-manager), so two replicas can run and a restarted or
// stopped leader is replaced; only the leader starts the controllers, each
// time with a fresh informer factory.
package controllers
