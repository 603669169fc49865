package api_test

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func statefulSet() *appsv1.StatefulSet {
	labels := map[string]string{"app": "db"}
	return &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec: appsv1.StatefulSetSpec{ServiceName: "db", Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "ownkube/echo"}}}},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}}}}
}

func TestStatefulSetDefaultsAreKubernetes(t *testing.T) {
	r := resourceOf(t, "apps", "statefulsets")
	if r.Kind != "StatefulSet" || !r.Namespaced || r.ShortNames[0] != "sts" || !r.HasSubresource("scale") || !r.HasSubresource("status") {
		t.Fatalf("served as %+v", r)
	}
	s := statefulSet()
	r.Strategy.Default(s)
	claim := s.Spec.VolumeClaimTemplates[0]
	switch {
	case *s.Spec.Replicas != 1 || s.Spec.PodManagementPolicy != appsv1.OrderedReadyPodManagement || *s.Spec.RevisionHistoryLimit != 10:
		t.Errorf("spec %+v", s.Spec)
	case *s.Spec.UpdateStrategy.RollingUpdate.Partition != 0:
		t.Errorf("partition %d, want 0", *s.Spec.UpdateStrategy.RollingUpdate.Partition)
	case *claim.Spec.VolumeMode != corev1.PersistentVolumeFilesystem || claim.Status.Phase != corev1.ClaimPending:
		t.Errorf("claim template %+v, want volumeMode Filesystem and phase Pending", claim)
	}
	if errs := r.Strategy.Validate(s); len(errs) != 0 {
		t.Errorf("a defaulted StatefulSet is invalid: %v", errs)
	}

	onDelete := statefulSet()
	onDelete.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType
	r.Strategy.Default(onDelete)
	if onDelete.Spec.UpdateStrategy.RollingUpdate != nil {
		t.Errorf("OnDelete got a rollingUpdate: %+v", onDelete.Spec.UpdateStrategy)
	}
	if errs := r.Strategy.Validate(onDelete); len(errs) != 0 {
		t.Errorf("a defaulted OnDelete StatefulSet is invalid: %v", errs)
	}
}

func TestStatefulSetUpdatesChangeOnlyWhatKubeLets(t *testing.T) {
	r := resourceOf(t, "apps", "statefulsets")
	old := statefulSet()
	r.Strategy.Default(old)
	allowed := old.DeepCopy()
	allowed.Spec.Replicas = ptr.To[int32](5)
	allowed.Spec.Template.Spec.Containers[0].Image = "ownkube/echo:2"
	allowed.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To[int32](2)
	allowed.Spec.MinReadySeconds = 3
	if errs := r.Strategy.ValidateUpdate(allowed, old); len(errs) != 0 {
		t.Errorf("replicas, template, partition, minReadySeconds refused: %v", errs)
	}
	for name, mend := range map[string]func(*appsv1.StatefulSet){
		"serviceName":          func(s *appsv1.StatefulSet) { s.Spec.ServiceName = "other" },
		"selector":             func(s *appsv1.StatefulSet) { s.Spec.Selector.MatchLabels = map[string]string{"app": "x"} },
		"volumeClaimTemplates": func(s *appsv1.StatefulSet) { s.Spec.VolumeClaimTemplates = nil },
		"podManagementPolicy":  func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement },
	} {
		s := old.DeepCopy()
		mend(s)
		errs := r.Strategy.ValidateUpdate(s, old)
		if len(errs) == 0 || !strings.Contains(errs.ToAggregate().Error(), "spec: Forbidden") {
			t.Errorf("a change of %s: %v, want spec: Forbidden", name, errs)
		}
	}
}
