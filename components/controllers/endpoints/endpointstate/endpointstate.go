// Package endpointstate holds the plain values the endpoints core works on
// and returns: one Endpoint per pod that backs a Service, with the pod's
// address, its readiness and the Service's ports resolved for that pod. The
// core (solutions/endpoints) computes them from a Service and its pods; the
// Endpoints and EndpointSlice controllers (components/controllers/endpoints,
// components/controllers/endpointslice) write them as API objects.
package endpointstate

import (
	"k8s.io/apimachinery/pkg/types"
)

// Endpoint is one pod behind a Service.
type Endpoint struct {
	// Pod names the pod (targetRef); UID is its uid.
	Pod types.NamespacedName
	UID types.UID
	// IP is the pod's address (status.podIP).
	IP string
	// NodeName is the node the pod runs on; empty if unscheduled.
	NodeName string
	// Hostname is the pod's spec.hostname when its spec.subdomain names the
	// Service, otherwise empty.
	Hostname string
	// Ready: traffic may go to the pod. Serving: the pod is ready, whether
	// or not it terminates. Terminating: the pod is being deleted.
	Ready, Serving, Terminating bool
	// Ports are the Service's ports that resolve on this pod, in the
	// Service's order, each with the pod's port number.
	Ports []Port
}

// Port is a Service port resolved on one pod.
type Port struct {
	// Name is the Service port's name.
	Name string
	// Port is the pod's port number the Service port's targetPort names.
	Port int32
	// Protocol is the Service port's protocol.
	Protocol string
	// AppProtocol is the Service port's appProtocol, or nil.
	AppProtocol *string
}
