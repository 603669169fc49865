// Package kubelet is the core of the kubelet: pure functions that decide
// what a node should do for its pods, and what to report about them.
//
// The kubelet's loop (components/kubelet) watches the pods bound to its
// node and, for each one, asks the container runtime what runs, then calls
// into this package:
//
//  1. Plan compares the pod's spec with what runs and returns the actions
//     that close the gap: start the sandbox, start or restart a container
//     (respecting the restart policy and its back-off), kill a container
//     whose liveness probe failed, tear everything down for a deleted pod.
//  2. Status turns what runs into the pod's status: phase, conditions,
//     pod IP, one ContainerStatus per container.
//  3. RenewLease and ReadyCondition are the node's heartbeat: the Lease
//     renewed every few seconds, and the Ready condition kept current.
//
// Nothing here does I/O or reads a clock: every function is given the time,
// so each can be tested with a table of plain values. Plan, ShouldRestart,
// RestartDelay and Status are stage 1 of the kit (a pod pushed to a node
// runs, and restarts by its policy); RenewLease and ReadyCondition, the
// heartbeat of a node registered with the API, are stage 4.
package kubelet
