// Package apiserver is the only component that touches etcd: every other
// one — kubectl, the scheduler, the kubelets, the controllers — reads and
// writes the cluster's state through the Kubernetes REST API it serves.
//
// A request travels through it like this:
//
//	HTTP request
//	  → parseRequest        which resource, namespace, name, subresource, verb
//	  → decodeObject        JSON or YAML body into the real k8s.io/api type
//	  → the verb's handler   metadata the server owns (uid, timestamps,
//	                         generation), the kind's Strategy (defaulting,
//	                         validation), preconditions and finalizers
//	  → storage.Store        compare-and-swap in etcd, resourceVersion = revision
//	  → writeObject          JSON, or a Table for kubectl; errors as metav1.Status
//
// Watches run the same way in reverse: an etcd watch from a revision,
// filtered by the request's selectors, streamed as {"type","object"} events.
// Pods' log and connect subresources (pods/log, pods/portforward) are
// proxied to the kubelet of the pod's node instead; an upgraded connection
// (SPDY, or SPDY tunnelled over a websocket) is handed through whole.
//
// Beside the handlers, the server runs three small loops of its own: etcd
// compaction (so old revisions expire with 410 Gone, as in Kubernetes),
// namespace cleanup (a Terminating namespace is emptied, then removed) and
// owner-reference garbage collection for deletes with a propagationPolicy.
package apiserver
