package api_test

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ownkube/ownkube/components/api"
)

func resourceOf(t *testing.T, group, res string) api.Resource {
	t.Helper()
	r, ok := api.Lookup(schema.GroupVersionResource{Group: group, Version: "v1", Resource: res})
	if !ok {
		t.Fatalf("%s is not served", res)
	}
	return r
}

func TestEveryServedKindIsInTheSchemeWithItsList(t *testing.T) {
	for _, r := range api.Resources() {
		if r.New() == nil || r.NewList() == nil || r.Strategy == nil || r.Singular == "" {
			t.Errorf("%s: incomplete", r.Resource)
		}
		if got, ok := api.LookupKind(r.GVK()); !ok || got.Resource != r.Resource {
			t.Errorf("%s: LookupKind(%v) = %v", r.Resource, r.GVK(), got.Resource)
		}
	}
	gvs := api.GroupVersions()
	if gvs[0].Group != "" || !slices.IsSortedFunc(gvs[1:], func(a, b schema.GroupVersion) int { return strings.Compare(a.Group, b.Group) }) {
		t.Errorf("group versions %v: the core group first, then the named groups in name order", gvs)
	}
}

func TestPodDefaultsAreKubernetes(t *testing.T) {
	pods := resourceOf(t, "", "pods")
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "a", Image: "ownkube/echo", Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}},
		{Name: "b", Image: "ownkube/echo:v1"}}}}
	pods.Strategy.Default(pod)
	pods.Strategy.PrepareForCreate(pod)
	s := pod.Spec
	switch {
	case s.RestartPolicy != corev1.RestartPolicyAlways, s.DNSPolicy != corev1.DNSClusterFirst, s.SchedulerName != corev1.DefaultSchedulerName,
		*s.TerminationGracePeriodSeconds != 30, s.ServiceAccountName != "default":
		t.Errorf("pod spec defaults: %+v", s)
	case s.Containers[0].ImagePullPolicy != corev1.PullAlways, s.Containers[1].ImagePullPolicy != corev1.PullIfNotPresent:
		t.Errorf("pull policies: %s %s, want Always for an untagged image, IfNotPresent for a tagged one",
			s.Containers[0].ImagePullPolicy, s.Containers[1].ImagePullPolicy)
	case s.Containers[0].Ports[0].Protocol != corev1.ProtocolTCP, s.Containers[0].Resources.Requests.Cpu().String() != "1":
		t.Errorf("container defaults: %+v", s.Containers[0])
	case pod.Status.Phase != corev1.PodPending, pod.Status.QOSClass != corev1.PodQOSBurstable:
		t.Errorf("status on create: %+v", pod.Status)
	}
}

func TestValidationNamesTheFieldAtFault(t *testing.T) {
	deployments := resourceOf(t, "apps", "deployments")
	d := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "a"}},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "b"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}}}}
	deployments.Strategy.Default(d)
	errs := deployments.Strategy.Validate(d).ToAggregate().Error()
	for _, want := range []string{"spec.template.metadata.labels", "spec.template.spec.containers[0].image"} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors %q do not name %s", errs, want)
		}
	}
	services := resourceOf(t, "", "services")
	if msgs := services.Strategy.ValidateName("Web", false); len(msgs) == 0 {
		t.Error("a Service name must be a DNS-1035 label")
	}
}

func TestPodSpecsAreImmutableButForImages(t *testing.T) {
	pods := resourceOf(t, "", "pods")
	old := &corev1.Pod{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyAlways, Containers: []corev1.Container{{Name: "a", Image: "x:1"}}}}
	image := old.DeepCopy()
	image.Spec.Containers[0].Image = "x:2"
	if errs := pods.Strategy.ValidateUpdate(image, old); len(errs) != 0 {
		t.Errorf("an image change was refused: %v", errs)
	}
	policy := old.DeepCopy()
	policy.Spec.RestartPolicy = corev1.RestartPolicyNever
	if errs := pods.Strategy.ValidateUpdate(policy, old); len(errs) == 0 {
		t.Error("a restartPolicy change was allowed")
	}
}

func TestServicesKeepTheirClusterIPWhenAnUpdateLeavesItOut(t *testing.T) {
	services := resourceOf(t, "", "services")
	old := &corev1.Service{Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.10", Ports: []corev1.ServicePort{{Port: 80}}}}
	upd := old.DeepCopy()
	upd.Spec.ClusterIP = ""
	services.Strategy.PrepareForUpdate(upd, old)
	if upd.Spec.ClusterIP != "10.96.0.10" {
		t.Errorf("cluster IP %q after an update that left it out", upd.Spec.ClusterIP)
	}
	upd.Spec.ClusterIP = "10.96.0.11"
	if errs := services.Strategy.ValidateUpdate(upd, old); len(errs) == 0 {
		t.Error("a cluster IP change was allowed")
	}
}
