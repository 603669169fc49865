// Package kubelet is the node agent: it makes the containers on its node
// match the pods bound to it, and reports back.
//
// It is a controller in the shape of every controller of the kit:
//
//	Source (watch of the pods bound to this node, or the pods pushed to it)
//	   → queue of pod keys
//	   → sync(key): ask the Runtime what runs for the pod,
//	                core.Plan → carry out the actions,
//	                core.Status → write the pod's status
//
// The deciding is done by the learner's core (reached through the shim
// kubelet/core: Plan and Status are stage 1, the restart policy and the
// heartbeat stage 4): this package only observes, acts and reports.
//
// Two Sources feed the loop. APISource watches the API server. PushSource
// (push.go, push_http.go) serves the node's own pod API for the kit's
// coupled stages, where no API server runs: PUT /pods/{namespace}/{name}
// answers once the pod's containers have started, DELETE once they are gone.
// With it and no Client the kubelet registers nothing and renews no Lease;
// its events go to its log.
// Beside the loop run the node's heartbeat (its Lease renewed every few
// seconds and its Ready condition), the probes of running containers, and a
// small HTTP server from which the API server proxies container logs and
// port-forward streams (streaming.go, where exec and attach are to join).
//
// A restarted kubelet adopts what already runs: the containers carry the
// pod's UID in their labels, so the first sync finds them and plans
// nothing. Containers of pods that no longer exist are removed, but only
// once the Source has synced, so nothing is killed by mistake at start.
package kubelet
