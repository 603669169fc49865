//go:build solutions && mutants

// Package endpoints holds the mutants of the endpoints controllers'
// learner region (solutions/endpoints, stage 7).
package endpoints

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/controllers/endpoints/endpointstate"
	"github.com/ownkube/ownkube/components/kit/mutant"
	impl "github.com/ownkube/ownkube/solutions/endpoints"
)

// The signatures of the functions the variants replace.
type (
	EndpointsFunc  = func(*corev1.Service, []*corev1.Pod, bool) ([]endpointstate.Endpoint, error)
	TargetPortFunc = func(*corev1.Pod, corev1.ServicePort) (int32, bool, error)
)

var (
	listsNotReady = mutant.Register(mutant.Mutant{Name: "endpoints/lists-not-ready-pods", Package: "endpoints", Stage: 7,
		Description: "Endpoints marks every pod ready, whatever its Ready condition",
		Breaks:      "a Service sends traffic to pods that are not ready to serve it"})
	servicePortAsTarget = mutant.Register(mutant.Mutant{Name: "endpoints/service-port-as-target-port", Package: "endpoints", Stage: 7,
		Description: "TargetPort answers the Service's port, never its targetPort",
		Breaks:      "a Service whose targetPort differs from its port reaches a port nothing listens on"})
)

// Endpoints and TargetPort hold each function's variants, by mutant name.
var (
	Endpoints = map[string]EndpointsFunc{
		listsNotReady.Name:       endpointsAllReady,
		servicePortAsTarget.Name: endpointsToServicePorts,
	}
	TargetPort = map[string]TargetPortFunc{servicePortAsTarget.Name: servicePort}
)

// endpointsAllReady is Endpoints with every endpoint ready and serving.
func endpointsAllReady(svc *corev1.Service, pods []*corev1.Pod, includeTerminating bool) ([]endpointstate.Endpoint, error) {
	eps, err := impl.Endpoints(svc, pods, includeTerminating)
	for i := range eps {
		eps[i].Ready, eps[i].Serving = true, true
	}
	return eps, err
}

// servicePort resolves every Service port to its own number.
func servicePort(_ *corev1.Pod, sp corev1.ServicePort) (int32, bool, error) {
	return sp.Port, true, nil
}

// endpointsToServicePorts is the reference's Endpoints with every port
// number the Service port's own, as servicePort resolves it.
func endpointsToServicePorts(svc *corev1.Service, pods []*corev1.Pod, includeTerminating bool) ([]endpointstate.Endpoint, error) {
	eps, err := impl.Endpoints(svc, pods, includeTerminating)
	for i := range eps {
		for j := range eps[i].Ports {
			for _, sp := range svc.Spec.Ports {
				if sp.Name == eps[i].Ports[j].Name {
					eps[i].Ports[j].Port = sp.Port
				}
			}
		}
	}
	return eps, err
}
