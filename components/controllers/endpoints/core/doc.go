// Package core is the shim through which the Endpoints and EndpointSlice
// controllers reach the learner's core (which pods back a Service, on which
// ports): built with -tags solutions it re-exports the reference in
// solutions/endpoints, otherwise the learner's exercises/endpoints.
package core
