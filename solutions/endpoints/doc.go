// Package endpoints is the core of the Endpoints and EndpointSlice
// controllers: which pods back a Service, whether each may take traffic, and
// on which of its ports.
//
// The controllers (components/controllers/endpoints and endpointslice)
// watch Services and pods; for a Service with a selector they list the pods
// it selects and call into this package:
//
//  1. TargetPort resolves one Service port on one pod: a numeric targetPort
//     as is, a named one from the pod's container ports.
//  2. Endpoints turns the Service and its pods into one Endpoint per pod
//     that belongs in the Service's endpoints, ready or not.
//
// The controllers write the result as an Endpoints object (ready pods in
// addresses, the others in notReadyAddresses) and as EndpointSlices
// (conditions ready, serving, terminating). Nothing here does I/O. Stage 7.
package endpoints
