package api

import (
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

type namespaceStrategy struct{ plainStrategy }

// ValidateName wants a DNS-1123 label: namespaces are parts of DNS names.
func (namespaceStrategy) ValidateName(name string, prefix bool) []string {
	return apivalidation.ValidateNamespaceName(name, prefix)
}

// PrepareForCreate makes a namespace Active and gives it the finalizer the
// server's namespace cleanup removes once the namespace's contents are gone.
func (namespaceStrategy) PrepareForCreate(obj runtime.Object) {
	ns := obj.(*corev1.Namespace)
	ns.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
	ns.Spec.Finalizers = []corev1.FinalizerName{corev1.FinalizerKubernetes}
}

func (namespaceStrategy) Default(obj runtime.Object) {
	ns := obj.(*corev1.Namespace)
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels[corev1.LabelMetadataName] = ns.Name
}

// PrepareForUpdate keeps spec.finalizers, which only /finalize changes.
func (namespaceStrategy) PrepareForUpdate(obj, old runtime.Object) {
	obj.(*corev1.Namespace).Spec.Finalizers = old.(*corev1.Namespace).Spec.Finalizers
}

type nodeStrategy struct{ plainStrategy }

func (nodeStrategy) Validate(obj runtime.Object) field.ErrorList {
	node := obj.(*corev1.Node)
	var errs field.ErrorList
	for i, t := range node.Spec.Taints {
		p := field.NewPath("spec", "taints").Index(i)
		for _, msg := range validation.IsQualifiedName(t.Key) {
			errs = append(errs, field.Invalid(p.Child("key"), t.Key, msg))
		}
		switch t.Effect {
		case corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		default:
			errs = append(errs, field.NotSupported(p.Child("effect"), t.Effect, []corev1.TaintEffect{
				corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute}))
		}
	}
	return errs
}

func (nodeStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	node, oldNode := obj.(*corev1.Node), old.(*corev1.Node)
	if oldNode.Spec.PodCIDR == "" {
		return nil
	}
	return apivalidation.ValidateImmutableField(node.Spec.PodCIDR, oldNode.Spec.PodCIDR, field.NewPath("spec", "podCIDR"))
}

type eventStrategy struct{ plainStrategy }

// Validate requires an event to name what it is about, in its own namespace.
func (eventStrategy) Validate(obj runtime.Object) field.ErrorList {
	ev := obj.(*corev1.Event)
	path := field.NewPath("involvedObject")
	var errs field.ErrorList
	if ev.InvolvedObject.Kind == "" {
		errs = append(errs, field.Required(path.Child("kind"), "an event names the kind of object it is about"))
	}
	if ns := ev.InvolvedObject.Namespace; ns != "" && ns != ev.Namespace {
		errs = append(errs, field.Invalid(path.Child("namespace"), ns, "does not match event.namespace"))
	}
	return errs
}

type leaseStrategy struct{ plainStrategy }

func (leaseStrategy) Validate(obj runtime.Object) field.ErrorList {
	if d := obj.(*coordinationv1.Lease).Spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		return field.ErrorList{field.Invalid(field.NewPath("spec", "leaseDurationSeconds"), *d, "must be greater than 0")}
	}
	return nil
}
