package api

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"
)

type replicaSetStrategy struct{ plainStrategy }

func (replicaSetStrategy) Default(obj runtime.Object) {
	rs := obj.(*appsv1.ReplicaSet)
	if rs.Spec.Replicas == nil {
		rs.Spec.Replicas = ptr.To[int32](1)
	}
	DefaultPodSpec(&rs.Spec.Template.Spec)
}

// PrepareForCreate clears the status: it is the controller's to write.
func (replicaSetStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*appsv1.ReplicaSet).Status = appsv1.ReplicaSetStatus{}
}

func (replicaSetStrategy) Validate(obj runtime.Object) field.ErrorList {
	rs := obj.(*appsv1.ReplicaSet)
	return validateWorkload(rs.Spec.Replicas, rs.Spec.Selector, &rs.Spec.Template, field.NewPath("spec"))
}

func (replicaSetStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	return apivalidation.ValidateImmutableField(obj.(*appsv1.ReplicaSet).Spec.Selector,
		old.(*appsv1.ReplicaSet).Spec.Selector, field.NewPath("spec", "selector"))
}

type deploymentStrategy struct{ plainStrategy }

func (deploymentStrategy) Default(obj runtime.Object) {
	d := obj.(*appsv1.Deployment)
	if d.Spec.Replicas == nil {
		d.Spec.Replicas = ptr.To[int32](1)
	}
	setDefault(&d.Spec.Strategy.Type, appsv1.RollingUpdateDeploymentStrategyType)
	if d.Spec.Strategy.Type == appsv1.RollingUpdateDeploymentStrategyType {
		if d.Spec.Strategy.RollingUpdate == nil {
			d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{}
		}
		quarter := intstr.FromString("25%")
		if d.Spec.Strategy.RollingUpdate.MaxUnavailable == nil {
			d.Spec.Strategy.RollingUpdate.MaxUnavailable = &quarter
		}
		if d.Spec.Strategy.RollingUpdate.MaxSurge == nil {
			d.Spec.Strategy.RollingUpdate.MaxSurge = &quarter
		}
	}
	if d.Spec.RevisionHistoryLimit == nil {
		d.Spec.RevisionHistoryLimit = ptr.To[int32](10)
	}
	if d.Spec.ProgressDeadlineSeconds == nil {
		d.Spec.ProgressDeadlineSeconds = ptr.To[int32](600)
	}
	DefaultPodSpec(&d.Spec.Template.Spec)
}

func (deploymentStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*appsv1.Deployment).Status = appsv1.DeploymentStatus{}
}

func (deploymentStrategy) Validate(obj runtime.Object) field.ErrorList {
	d := obj.(*appsv1.Deployment)
	return validateWorkload(d.Spec.Replicas, d.Spec.Selector, &d.Spec.Template, field.NewPath("spec"))
}

func (deploymentStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	return apivalidation.ValidateImmutableField(obj.(*appsv1.Deployment).Spec.Selector,
		old.(*appsv1.Deployment).Spec.Selector, field.NewPath("spec", "selector"))
}

// validateWorkload checks what ReplicaSets and Deployments share: a count,
// a non-empty selector, and a template whose labels the selector matches —
// otherwise the controller would create pods it can never count.
func validateWorkload(replicas *int32, selector *metav1.LabelSelector, template *corev1.PodTemplateSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if replicas != nil && *replicas < 0 {
		errs = append(errs, field.Invalid(path.Child("replicas"), *replicas, "must be 0 or more"))
	}
	if selector == nil || (len(selector.MatchLabels) == 0 && len(selector.MatchExpressions) == 0) {
		return append(errs, field.Required(path.Child("selector"), "a selector is needed to find the pods it owns"))
	}
	errs = append(errs, metav1validation.ValidateLabelSelector(selector, metav1validation.LabelSelectorValidationOptions{}, path.Child("selector"))...)
	sel, err := metav1.LabelSelectorAsSelector(selector)
	if err == nil && !sel.Matches(labels.Set(template.Labels)) {
		errs = append(errs, field.Invalid(path.Child("template", "metadata", "labels"), template.Labels,
			"`selector` does not match template `labels`"))
	}
	return append(errs, ValidatePodTemplateSpec(template, path.Child("template"))...)
}

type statefulSetStrategy struct{ plainStrategy }

// ValidateName wants a DNS-1123 label, as kube's ValidateStatefulSetName:
// the set's name goes, with an ordinal, into its pods' hostnames.
func (statefulSetStrategy) ValidateName(name string, prefix bool) []string {
	return apivalidation.NameIsDNSLabel(name, prefix)
}

// Default fills in a StatefulSet as kube's SetDefaults_StatefulSet does:
// one replica created in order (OrderedReady), a RollingUpdate from
// partition 0, ten revisions, claims retained when the set is deleted or
// scaled down, and the defaults of its pod template and claim templates.
func (statefulSetStrategy) Default(obj runtime.Object) {
	s := obj.(*appsv1.StatefulSet)
	setDefault(&s.Spec.PodManagementPolicy, appsv1.OrderedReadyPodManagement)
	if s.Spec.UpdateStrategy.Type == "" {
		s.Spec.UpdateStrategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
		if s.Spec.UpdateStrategy.RollingUpdate == nil {
			s.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{}
		}
	}
	if ru := s.Spec.UpdateStrategy.RollingUpdate; s.Spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType &&
		ru != nil && ru.Partition == nil {
		ru.Partition = ptr.To[int32](0)
	}
	if s.Spec.PersistentVolumeClaimRetentionPolicy == nil {
		s.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	setDefault(&s.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted, appsv1.RetainPersistentVolumeClaimRetentionPolicyType)
	setDefault(&s.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled, appsv1.RetainPersistentVolumeClaimRetentionPolicyType)
	if s.Spec.Replicas == nil {
		s.Spec.Replicas = ptr.To[int32](1)
	}
	if s.Spec.RevisionHistoryLimit == nil {
		s.Spec.RevisionHistoryLimit = ptr.To[int32](10)
	}
	DefaultPodSpec(&s.Spec.Template.Spec)
	for i := range s.Spec.VolumeClaimTemplates {
		claim := &s.Spec.VolumeClaimTemplates[i]
		if claim.Spec.VolumeMode == nil {
			claim.Spec.VolumeMode = ptr.To(corev1.PersistentVolumeFilesystem)
		}
		setDefault(&claim.Status.Phase, corev1.ClaimPending)
	}
}

// PrepareForCreate clears the status: it is the controller's to write.
func (statefulSetStrategy) PrepareForCreate(obj runtime.Object) {
	obj.(*appsv1.StatefulSet).Status = appsv1.StatefulSetStatus{}
}

// Validate checks a StatefulSet as kube's ValidateStatefulSetSpec does.
// Kube leaves the template's pod spec unchecked, since its volume mounts
// may name claim templates; the kit's pod rules check no volumes, so the
// template is checked as other workloads' are, and a set whose pods the
// API would refuse is refused itself.
func (statefulSetStrategy) Validate(obj runtime.Object) field.ErrorList {
	s := obj.(*appsv1.StatefulSet)
	spec := field.NewPath("spec")
	errs := validateStatefulSetPolicies(&s.Spec, spec)
	errs = append(errs, nonNegative(spec.Child("minReadySeconds"), &s.Spec.MinReadySeconds)...)
	errs = append(errs, nonNegative(spec.Child("revisionHistoryLimit"), s.Spec.RevisionHistoryLimit)...)
	if o := s.Spec.Ordinals; o != nil {
		errs = append(errs, nonNegative(spec.Child("ordinals", "start"), &o.Start)...)
	}
	if n := s.Spec.ServiceName; n != "" {
		for _, msg := range apivalidation.NameIsDNSLabel(n, false) {
			errs = append(errs, field.Invalid(spec.Child("serviceName"), n, msg))
		}
	}
	if p := s.Spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(spec.Child("template", "spec", "restartPolicy"), p, []corev1.RestartPolicy{corev1.RestartPolicyAlways}))
	}
	if s.Spec.Template.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(spec.Child("template", "spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in StatefulSet is not Supported"))
	}
	return append(errs, validateWorkload(s.Spec.Replicas, s.Spec.Selector, &s.Spec.Template, spec)...)
}

// validateStatefulSetPolicies checks the enumerations of a StatefulSet's
// spec: how its pods are managed, updated, and their claims retained.
func validateStatefulSetPolicies(s *appsv1.StatefulSetSpec, spec *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch s.PodManagementPolicy {
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		errs = append(errs, field.NotSupported(spec.Child("podManagementPolicy"), s.PodManagementPolicy,
			[]appsv1.PodManagementPolicyType{appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement}))
	}
	strategy := spec.Child("updateStrategy")
	switch s.UpdateStrategy.Type {
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if ru := s.UpdateStrategy.RollingUpdate; ru != nil {
			errs = append(errs, nonNegative(strategy.Child("rollingUpdate", "partition"), ru.Partition)...)
		}
	case appsv1.OnDeleteStatefulSetStrategyType:
		if s.UpdateStrategy.RollingUpdate != nil {
			errs = append(errs, field.Invalid(strategy.Child("rollingUpdate"), s.UpdateStrategy.RollingUpdate,
				"only allowed for updateStrategy 'RollingUpdate'"))
		}
	default:
		errs = append(errs, field.NotSupported(strategy.Child("type"), s.UpdateStrategy.Type,
			[]appsv1.StatefulSetUpdateStrategyType{appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType}))
	}
	if p := s.PersistentVolumeClaimRetentionPolicy; p != nil {
		retention := spec.Child("persistentVolumeClaimRetentionPolicy")
		errs = append(errs, validateRetention(retention.Child("whenDeleted"), p.WhenDeleted)...)
		errs = append(errs, validateRetention(retention.Child("whenScaled"), p.WhenScaled)...)
	}
	return errs
}

// ValidateUpdate allows, as kube does, changes to replicas, ordinals, the
// template, the update strategy, the claims' retention and
// minReadySeconds; the rest of the spec (the selector, the service name,
// the claim templates, revisionHistoryLimit) stays as created.
func (statefulSetStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	s, o := obj.(*appsv1.StatefulSet), old.(*appsv1.StatefulSet)
	rest := s.Spec.DeepCopy()
	rest.Replicas, rest.Ordinals, rest.Template, rest.UpdateStrategy = o.Spec.Replicas, o.Spec.Ordinals, o.Spec.Template, o.Spec.UpdateStrategy
	rest.PersistentVolumeClaimRetentionPolicy, rest.MinReadySeconds = o.Spec.PersistentVolumeClaimRetentionPolicy, o.Spec.MinReadySeconds
	if !equality.Semantic.DeepEqual(*rest, o.Spec) {
		return field.ErrorList{field.Forbidden(field.NewPath("spec"), "updates to statefulset spec for fields other than 'replicas', 'ordinals', "+
			"'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")}
	}
	return nil
}

func validateRetention(path *field.Path, v appsv1.PersistentVolumeClaimRetentionPolicyType) field.ErrorList {
	switch v {
	case appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType:
		return nil
	}
	return field.ErrorList{field.NotSupported(path, v, []appsv1.PersistentVolumeClaimRetentionPolicyType{
		appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType})}
}

// nonNegative refuses a set value below 0, as kube's ValidateNonnegativeField.
func nonNegative(path *field.Path, v *int32) field.ErrorList {
	if v != nil && *v < 0 {
		return field.ErrorList{field.Invalid(path, *v, "must be greater than or equal to 0")}
	}
	return nil
}
