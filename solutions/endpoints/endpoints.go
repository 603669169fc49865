package endpoints

import (
	"cmp"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ownkube/ownkube/components/controllers/endpoints/endpointstate"
)

//ownkube:begin stage=7

// TargetPort returns the port number on pod that the Service port svcPort
// sends traffic to, and whether the pod has it:
//   - a numeric targetPort is that number, whatever the pod declares;
//   - an unset targetPort (zero) is the Service port's own number;
//   - a named targetPort is the containerPort of the first port, in the
//     order of the pod's containers and their ports, whose name is that
//     name and whose protocol is the Service port's (an empty protocol
//     counts as TCP on either side); a pod with no such port does not
//     have it (false).
func TargetPort(pod *corev1.Pod, svcPort corev1.ServicePort) (int32, bool, error) {
	switch {
	case svcPort.TargetPort == (intstr.IntOrString{}):
		return svcPort.Port, true, nil
	case svcPort.TargetPort.Type == intstr.Int:
		return svcPort.TargetPort.IntVal, true, nil
	}
	want := cmp.Or(svcPort.Protocol, corev1.ProtocolTCP)
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == svcPort.TargetPort.StrVal && cmp.Or(p.Protocol, corev1.ProtocolTCP) == want {
				return p.ContainerPort, true, nil
			}
		}
	}
	return 0, false, nil
}

// Endpoints returns one Endpoint for each pod of pods (the pods the
// Service's selector picks) that belongs in svc's endpoints, sorted by pod
// name. A pod is left out when
//   - it has ended (phase Succeeded or Failed),
//   - it has no IP yet (status.podIP empty),
//   - it is being deleted (deletionTimestamp set), unless includeTerminating
//     (the EndpointSlice controller includes such pods, marked terminating;
//     the Endpoints controller includes them only for a Service that
//     publishes not-ready addresses),
//   - none of the Service's ports resolves on it (see TargetPort); a
//     headless Service (clusterIP None) without ports keeps every pod,
//     with no ports.
//
// Each Endpoint carries the pod's name, namespace and uid, its IP, its node
// and, when the pod's spec.subdomain is the Service's name, its
// spec.hostname. Its Ports are the Service's ports that resolve on the pod,
// in the Service's order, each with the Service port's name, protocol and
// appProtocol and the pod's port number. Its conditions:
//   - Serving: the pod's Ready condition is True, or the Service publishes
//     not-ready addresses (spec.publishNotReadyAddresses);
//   - Terminating: the pod is being deleted;
//   - Ready: the Service publishes not-ready addresses, or the pod is
//     serving and not terminating.
func Endpoints(svc *corev1.Service, pods []*corev1.Pod, includeTerminating bool) ([]endpointstate.Endpoint, error) {
	publish := svc.Spec.PublishNotReadyAddresses
	var out []endpointstate.Endpoint
	for _, pod := range pods {
		terminating := pod.DeletionTimestamp != nil
		switch {
		case pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed,
			pod.Status.PodIP == "",
			terminating && !includeTerminating:
			continue
		}
		var ports []endpointstate.Port
		for _, sp := range svc.Spec.Ports {
			n, ok, err := TargetPort(pod, sp)
			if err != nil {
				return nil, err
			}
			if ok {
				ports = append(ports, endpointstate.Port{Name: sp.Name, Port: n,
					Protocol: string(cmp.Or(sp.Protocol, corev1.ProtocolTCP)), AppProtocol: sp.AppProtocol})
			}
		}
		if len(ports) == 0 && !(len(svc.Spec.Ports) == 0 && svc.Spec.ClusterIP == corev1.ClusterIPNone) {
			continue
		}
		ready := false
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.PodReady {
				ready = c.Status == corev1.ConditionTrue
			}
		}
		serving := publish || ready
		ep := endpointstate.Endpoint{
			Pod: types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name}, UID: pod.UID,
			IP: pod.Status.PodIP, NodeName: pod.Spec.NodeName,
			Ready: publish || (serving && !terminating), Serving: serving, Terminating: terminating,
			Ports: ports,
		}
		if pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name {
			ep.Hostname = pod.Spec.Hostname
		}
		out = append(out, ep)
	}
	slices.SortFunc(out, func(a, b endpointstate.Endpoint) int {
		return cmp.Or(cmp.Compare(a.Pod.Namespace, b.Pod.Namespace), cmp.Compare(a.Pod.Name, b.Pod.Name))
	})
	return out, nil
}

//ownkube:end
