package apiserver_test

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

func newStatefulSet(name string) *appsv1.StatefulSet {
	labels, template := newWorkloadTemplate()
	return &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](3), ServiceName: name,
			Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template}}
}

func TestStatefulSetsAreDefaultedVersionedAndKeepTheirStatusToTheController(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{WithoutLoops: true}).Client
	sets := c.AppsV1().StatefulSets("default")
	in := newStatefulSet("web")
	in.Spec.Replicas = nil
	in.Status.Replicas = 9 // a client's status is not stored
	s, err := sets.Create(ctx, in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ru := s.Spec.UpdateStrategy.RollingUpdate
	switch {
	case *s.Spec.Replicas != 1, s.Spec.PodManagementPolicy != appsv1.OrderedReadyPodManagement, *s.Spec.RevisionHistoryLimit != 10:
		t.Errorf("replicas, podManagementPolicy, revisionHistoryLimit = %d, %s, %d; want 1, OrderedReady, 10",
			*s.Spec.Replicas, s.Spec.PodManagementPolicy, *s.Spec.RevisionHistoryLimit)
	case s.Spec.UpdateStrategy.Type != appsv1.RollingUpdateStatefulSetStrategyType || ru == nil || *ru.Partition != 0:
		t.Errorf("updateStrategy %+v, want RollingUpdate from partition 0", s.Spec.UpdateStrategy)
	case s.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted != appsv1.RetainPersistentVolumeClaimRetentionPolicyType ||
		s.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled != appsv1.RetainPersistentVolumeClaimRetentionPolicyType:
		t.Errorf("claim retention %+v, want Retain, Retain", s.Spec.PersistentVolumeClaimRetentionPolicy)
	case s.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways || s.Spec.Template.Spec.DNSPolicy != corev1.DNSClusterFirst:
		t.Errorf("the pod template was not defaulted: %+v", s.Spec.Template.Spec)
	case s.Status.Replicas != 0 || s.Generation != 1:
		t.Errorf("created with status %+v, generation %d; want an empty status, generation 1", s.Status, s.Generation)
	}

	s.Status.Replicas = 5
	s.Spec.Template.Spec.Containers[0].Image = "ownkube/echo:2"
	if s, err = sets.Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if s.Generation != 2 || s.Status.Replicas != 0 {
		t.Errorf("after a template change through the main resource: generation %d, status.replicas %d; want 2, 0", s.Generation, s.Status.Replicas)
	}
	s.Status.Replicas, s.Status.ReadyReplicas = 1, 1
	if s, err = sets.UpdateStatus(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if s.Status.ReadyReplicas != 1 || s.Generation != 2 {
		t.Errorf("after a status update: %+v, generation %d", s.Status, s.Generation)
	}

	s.Spec.ServiceName = "other"
	if _, err := sets.Update(ctx, s, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "updates to statefulset spec") {
		t.Errorf("changing serviceName: got %v, want 422 naming the fields that may change", err)
	}
}

func TestStatefulSetsRefuseBadSpecsNamingTheField(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{WithoutLoops: true}).Client
	sets := c.AppsV1().StatefulSets("default")
	tests := []struct {
		name  string
		mend  func(s *appsv1.StatefulSet)
		field string
	}{
		{"no selector", func(s *appsv1.StatefulSet) { s.Spec.Selector = nil }, "spec.selector"},
		{"a selector the template does not match", func(s *appsv1.StatefulSet) { s.Spec.Selector.MatchLabels = map[string]string{"app": "db"} },
			"spec.template.metadata.labels"},
		{"negative replicas", func(s *appsv1.StatefulSet) { s.Spec.Replicas = ptr.To[int32](-1) }, "spec.replicas"},
		{"an unknown podManagementPolicy", func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = "Sometimes" }, "spec.podManagementPolicy"},
		{"an unknown updateStrategy", func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.Type = "Overnight" }, "spec.updateStrategy.type"},
		{"a negative partition", func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](-2)}
		}, "spec.updateStrategy.rollingUpdate.partition"},
		{"rollingUpdate under OnDelete", func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{}}
		}, "spec.updateStrategy.rollingUpdate"},
		{"restartPolicy Never", func(s *appsv1.StatefulSet) { s.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever },
			"spec.template.spec.restartPolicy"},
		{"a name that is no DNS label", func(s *appsv1.StatefulSet) { s.Name = "web.example" }, "metadata.name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStatefulSet("bad")
			tt.mend(s)
			_, err := sets.Create(ctx, s, metav1.CreateOptions{})
			if !apierrors.IsInvalid(err) {
				t.Fatalf("got %v, want 422 Invalid", err)
			}
			causes := err.(apierrors.APIStatus).Status().Details.Causes
			if len(causes) == 0 || !strings.HasPrefix(causes[0].Field, tt.field) {
				t.Errorf("causes %+v, want the first to name %s", causes, tt.field)
			}
		})
	}
	if list, err := sets.List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 0 {
		t.Errorf("bad input stored something: %v, %v", list, err)
	}
}

func TestStatefulSetScaleIsServed(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{WithoutLoops: true}).Client
	sets := c.AppsV1().StatefulSets("default")
	if _, err := sets.Create(ctx, newStatefulSet("web"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	scale, err := sets.GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil || scale.Spec.Replicas != 3 || scale.Status.Selector != "app=web,tier=front" {
		t.Fatalf("scale of a StatefulSet of 3: %+v, %v", scale, err)
	}
	scale.Spec.Replicas = 1
	if _, err := sets.UpdateScale(ctx, "web", scale, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update scale: %v", err)
	}
	if _, err := sets.Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":2}}`), metav1.PatchOptions{}, "scale"); err != nil {
		t.Fatalf("merge-patch the scale, as kubectl scale does: %v", err)
	}
	s, err := sets.Get(ctx, "web", metav1.GetOptions{})
	if err != nil || *s.Spec.Replicas != 2 || s.Generation != 3 {
		t.Errorf("after scaling to 1 then 2: %v, %v; want replicas 2, generation 3", s, err)
	}
}
