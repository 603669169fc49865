package api

import (
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Strategy holds the rules in which a kind differs from the others. The
// server calls, on create: Default, PrepareForCreate, Validate; on update
// of the main resource: Default, PrepareForUpdate, Validate, ValidateUpdate. Metadata rules
// common to all kinds (name, labels, finalizers, immutable uid) are checked
// by the server around these calls, so a strategy says only what is its own.
type Strategy interface {
	// Default fills in the fields a client may leave out, as kube-apiserver's
	// defaulting does (k8s.io/api carries no defaulting functions).
	Default(obj runtime.Object)
	// PrepareForCreate clears or sets what a client does not decide, such as
	// a new pod's status.
	PrepareForCreate(obj runtime.Object)
	// PrepareForUpdate keeps in obj what a client may leave out of an
	// update but not change, such as a Service's cluster IP.
	PrepareForUpdate(obj, old runtime.Object)
	// ValidateName checks the object's name; most kinds want a DNS-1123
	// subdomain, some a label.
	ValidateName(name string, prefix bool) []string
	// Validate checks a new or updated object.
	Validate(obj runtime.Object) field.ErrorList
	// ValidateUpdate checks what may not change between old and obj.
	ValidateUpdate(obj, old runtime.Object) field.ErrorList
}

// plainStrategy is the strategy of kinds with no rules of their own; the
// others embed it and override what they need.
type plainStrategy struct{}

func (plainStrategy) Default(runtime.Object)                             {}
func (plainStrategy) PrepareForCreate(runtime.Object)                    {}
func (plainStrategy) PrepareForUpdate(_, _ runtime.Object)               {}
func (plainStrategy) Validate(runtime.Object) field.ErrorList            { return nil }
func (plainStrategy) ValidateUpdate(_, _ runtime.Object) field.ErrorList { return nil }
func (plainStrategy) ValidateName(name string, prefix bool) []string {
	return apivalidation.NameIsDNSSubdomain(name, prefix)
}

// ValidateObjectMeta checks the metadata every kind shares.
func ValidateObjectMeta(r Resource, obj metav1.Object) field.ErrorList {
	return apivalidation.ValidateObjectMetaAccessor(obj, r.Namespaced, r.Strategy.ValidateName, field.NewPath("metadata"))
}

// ValidateObjectMetaUpdate checks what may not change in metadata.
func ValidateObjectMetaUpdate(obj, old metav1.Object) field.ErrorList {
	return apivalidation.ValidateObjectMetaAccessorUpdate(obj, old, field.NewPath("metadata"))
}
