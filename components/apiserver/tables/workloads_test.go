package tables

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func template() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "app", Image: "ownkube/echo:dev"}, {Name: "probe", Image: "ownkube/probe:dev"},
		}},
	}
}

func int32p(i int32) *int32 { return &i }

func TestPrintDeployment(t *testing.T) {
	d := &appsv1.Deployment{ObjectMeta: objectMeta("web", 90*time.Minute),
		Spec: appsv1.DeploymentSpec{Replicas: int32p(3), Template: template(),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
		Status: appsv1.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 2},
	}
	bad := d.DeepCopy()
	bad.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "tier", Operator: "Near"}}
	tests := []struct {
		name string
		d    *appsv1.Deployment
		want []interface{}
	}{
		{"two of three ready", d,
			cells("web", "2/3", int64(3), int64(2), "90m", "app,probe", "ownkube/echo:dev,ownkube/probe:dev", "app=web")},
		{"invalid selector", bad, cells("web", "2/3", int64(3), int64(2), "90m", "app,probe", "ownkube/echo:dev,ownkube/probe:dev", "<invalid>")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, printers[gr("apps", "deployments")].columns, printDeployment(tt.d, now), tt.want)
		})
	}
}

func TestPrintReplicaSet(t *testing.T) {
	rs := &appsv1.ReplicaSet{ObjectMeta: objectMeta("web-5d4f", 2*time.Hour),
		Spec: appsv1.ReplicaSetSpec{Replicas: int32p(3), Template: template(),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "pod-template-hash": "5d4f"}}},
		Status: appsv1.ReplicaSetStatus{Replicas: 3, ReadyReplicas: 1},
	}
	empty := &appsv1.ReplicaSet{ObjectMeta: objectMeta("empty", time.Hour)}
	tests := []struct {
		name string
		rs   *appsv1.ReplicaSet
		want []interface{}
	}{
		{"scaling up", rs, cells("web-5d4f", int64(3), int64(3), int64(1), "120m", "app,probe",
			"ownkube/echo:dev,ownkube/probe:dev", "app=web,pod-template-hash=5d4f")},
		{"nothing set", empty, cells("empty", int64(0), int64(0), int64(0), "60m", "", "", "<none>")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, printers[gr("apps", "replicasets")].columns, printReplicaSet(tt.rs, now), tt.want)
		})
	}
}

func TestPrintStatefulSet(t *testing.T) {
	s := &appsv1.StatefulSet{ObjectMeta: objectMeta("web", 3*time.Hour),
		Spec:   appsv1.StatefulSetSpec{Replicas: int32p(3), Template: template()},
		Status: appsv1.StatefulSetStatus{Replicas: 3, ReadyReplicas: 2},
	}
	empty := &appsv1.StatefulSet{ObjectMeta: objectMeta("empty", time.Hour)}
	columns := printers[gr("apps", "statefulsets")].columns
	checkCells(t, columns, printStatefulSet(s, now), cells("web", "2/3", "3h", "app,probe", "ownkube/echo:dev,ownkube/probe:dev"))
	checkCells(t, columns, printStatefulSet(empty, now), cells("empty", "0/0", "60m", "", ""))
}

func TestPrintPodTemplate(t *testing.T) {
	pt := &corev1.PodTemplate{ObjectMeta: objectMeta("web", time.Hour), Template: template()}
	bare := &corev1.PodTemplate{ObjectMeta: objectMeta("bare", time.Hour)}
	checkCells(t, printers[gr("", "podtemplates")].columns, printPodTemplate(pt, now),
		cells("web", "app,probe", "ownkube/echo:dev,ownkube/probe:dev", "app=web"))
	checkCells(t, printers[gr("", "podtemplates")].columns, printPodTemplate(bare, now),
		cells("bare", "", "", "<none>"))
}
