package api

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

type serviceStrategy struct{ plainStrategy }

// ValidateName wants a DNS-1035 label: a Service's name becomes a DNS name
// and an environment variable prefix in every pod of its namespace.
func (serviceStrategy) ValidateName(name string, prefix bool) []string {
	return apivalidation.NameIsDNS1035Label(name, prefix)
}

func (serviceStrategy) Default(obj runtime.Object) {
	svc := obj.(*corev1.Service)
	setDefault(&svc.Spec.Type, corev1.ServiceTypeClusterIP)
	setDefault(&svc.Spec.SessionAffinity, corev1.ServiceAffinityNone)
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		setDefault(&p.Protocol, corev1.ProtocolTCP)
		if p.TargetPort == (intstr.IntOrString{}) {
			p.TargetPort = intstr.FromInt32(p.Port)
		}
	}
}

func (serviceStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*corev1.Service).Status = corev1.ServiceStatus{}
}

func (serviceStrategy) Validate(obj runtime.Object) field.ErrorList {
	spec, path := &obj.(*corev1.Service).Spec, field.NewPath("spec")
	var errs field.ErrorList
	switch spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
		if len(spec.Ports) == 0 && spec.ClusterIP != corev1.ClusterIPNone {
			errs = append(errs, field.Required(path.Child("ports"), "a service needs at least one port"))
		}
	case corev1.ServiceTypeExternalName:
		if spec.ExternalName == "" {
			errs = append(errs, field.Required(path.Child("externalName"), "an ExternalName service needs externalName"))
		}
	default:
		errs = append(errs, field.NotSupported(path.Child("type"), spec.Type, []corev1.ServiceType{
			corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeExternalName}))
	}
	if spec.Type != corev1.ServiceTypeNodePort && spec.Type != corev1.ServiceTypeLoadBalancer {
		for i, p := range spec.Ports {
			if p.NodePort != 0 {
				errs = append(errs, field.Forbidden(path.Child("ports").Index(i).Child("nodePort"),
					fmt.Sprintf("may not be used when `type` is '%s'", spec.Type)))
			}
		}
	}
	return append(errs, validateServicePorts(spec.Ports, path.Child("ports"))...)
}

func validateServicePorts(ports []corev1.ServicePort, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for i, port := range ports {
		p := path.Index(i)
		if len(ports) > 1 && port.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), "ports of a service with more than one port need names"))
		}
		if port.Name != "" && names.Has(port.Name) {
			errs = append(errs, field.Duplicate(p.Child("name"), port.Name))
		}
		names.Insert(port.Name)
		for _, msg := range validation.IsValidPortNum(int(port.Port)) {
			errs = append(errs, field.Invalid(p.Child("port"), port.Port, msg))
		}
		if port.TargetPort.Type == intstr.Int {
			for _, msg := range validation.IsValidPortNum(port.TargetPort.IntValue()) {
				errs = append(errs, field.Invalid(p.Child("targetPort"), port.TargetPort.IntValue(), msg))
			}
		}
		errs = append(errs, validateProtocol(port.Protocol, p.Child("protocol"))...)
	}
	return errs
}

// PrepareForUpdate keeps the cluster IP an update leaves out.
func (serviceStrategy) PrepareForUpdate(obj, old runtime.Object) {
	svc, oldSvc := obj.(*corev1.Service), old.(*corev1.Service)
	if svc.Spec.ClusterIP == "" {
		svc.Spec.ClusterIP, svc.Spec.ClusterIPs = oldSvc.Spec.ClusterIP, oldSvc.Spec.ClusterIPs
	}
	keepNodePorts(svc, oldSvc)
}

// keepNodePorts carries over the node ports an update leaves out, as
// kube's patchAllocatedValues does, and drops them when the Service no
// longer needs them and the update did not change them (kube's
// dropTypeDependentFields), so that `type: ClusterIP` alone is a valid
// change from NodePort.
func keepNodePorts(svc, old *corev1.Service) {
	needs := func(t corev1.ServiceType) bool {
		return t == corev1.ServiceTypeNodePort || t == corev1.ServiceTypeLoadBalancer
	}
	oldPorts := map[string]int32{}
	for _, p := range old.Spec.Ports {
		oldPorts[fmt.Sprint(p.Port, p.Protocol)] = p.NodePort
	}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		prev := oldPorts[fmt.Sprint(p.Port, p.Protocol)]
		switch {
		case needs(svc.Spec.Type) && needs(old.Spec.Type) && p.NodePort == 0:
			p.NodePort = prev
		case !needs(svc.Spec.Type) && needs(old.Spec.Type) && p.NodePort == prev:
			p.NodePort = 0
		}
	}
}

// ValidateUpdate keeps the cluster IP: clients and proxies hold on to it.
func (serviceStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	svc, oldSvc := obj.(*corev1.Service), old.(*corev1.Service)
	if oldSvc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == "" {
		return nil // an update may leave it out; the server keeps the old one
	}
	return apivalidation.ValidateImmutableField(svc.Spec.ClusterIP, oldSvc.Spec.ClusterIP, field.NewPath("spec", "clusterIP"))
}
