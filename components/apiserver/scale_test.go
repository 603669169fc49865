package apiserver_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

func newWorkloadTemplate() (map[string]string, corev1.PodTemplateSpec) {
	labels := map[string]string{"app": "web", "tier": "front"}
	return labels, corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "ownkube/echo:1"}}}}
}

func createScalables(t *testing.T, ctx context.Context, c kubernetes.Interface) {
	t.Helper()
	labels, template := newWorkloadTemplate()
	if _, err := c.AppsV1().ReplicaSets("default").Create(ctx, &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](3), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template}},
		metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppsV1().Deployments("default").Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](2), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template}},
		metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestScaleSubresourceIsInDiscoveryAsKubeShowsIt(t *testing.T) {
	c := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true}).Client
	list, err := c.Discovery().ServerResourcesForGroupVersion("apps/v1")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]metav1.APIResource{}
	for _, r := range list.APIResources {
		found[r.Name] = r
	}
	for _, name := range []string{"replicasets/scale", "deployments/scale", "statefulsets/scale"} {
		r, ok := found[name]
		if !ok {
			t.Errorf("%s is not in discovery", name)
			continue
		}
		if r.Group != "autoscaling" || r.Version != "v1" || r.Kind != "Scale" || !r.Namespaced ||
			strings.Join(r.Verbs, ",") != "get,patch,update" {
			t.Errorf("%s: %+v, want autoscaling/v1 Scale, namespaced, get/patch/update", name, r)
		}
	}
}

func TestScaleGetUpdateAndPatchChangeOnlySpecReplicas(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{WithoutLoops: true}).Client
	createScalables(t, ctx, c)
	rss := c.AppsV1().ReplicaSets("default")

	scale, err := rss.GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if scale.Spec.Replicas != 3 || scale.Status.Selector != "app=web,tier=front" || scale.Name != "web" || scale.ResourceVersion == "" {
		t.Fatalf("scale of a ReplicaSet of 3: %+v", scale)
	}
	before, _ := rss.Get(ctx, "web", metav1.GetOptions{})

	scale.Spec.Replicas = 5
	got, err := rss.UpdateScale(ctx, "web", scale, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update scale: %v", err)
	}
	after, _ := rss.Get(ctx, "web", metav1.GetOptions{})
	if got.Spec.Replicas != 5 || *after.Spec.Replicas != 5 || after.Generation != before.Generation+1 || got.ResourceVersion != after.ResourceVersion {
		t.Errorf("after scaling to 5: scale %+v, ReplicaSet replicas %d generation %d (was %d)", got, *after.Spec.Replicas, after.Generation, before.Generation)
	}
	if after.Spec.Template.Spec.Containers[0].Image != "ownkube/echo:1" {
		t.Errorf("scaling changed the template")
	}

	scale.Spec.Replicas = 7 // scale still carries the resourceVersion from before the update
	if _, err := rss.UpdateScale(ctx, "web", scale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("a stale resourceVersion: got %v, want 409 Conflict", err)
	}

	if _, err := c.AppsV1().Deployments("default").Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":4}}`),
		metav1.PatchOptions{}, "scale"); err != nil {
		t.Fatalf("merge-patch a Deployment's scale: %v", err)
	}
	d, _ := c.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{})
	if *d.Spec.Replicas != 4 {
		t.Errorf("after patching the scale to 4 the Deployment wants %d", *d.Spec.Replicas)
	}
	dscale, err := c.AppsV1().Deployments("default").GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil || dscale.Spec.Replicas != 4 {
		t.Errorf("Deployment scale: %+v, %v", dscale, err)
	}
}

func TestScaleRefusesBadInputWithStatusErrors(t *testing.T) {
	ctx := context.Background()
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	createScalables(t, ctx, s.Client)
	rss := s.Client.AppsV1().ReplicaSets("default")
	scale, err := rss.GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}

	negative := scale.DeepCopy()
	negative.Spec.Replicas = -1
	if _, err := rss.UpdateScale(ctx, "web", negative, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("replicas -1: got %v, want 422 Invalid", err)
	}
	other := scale.DeepCopy()
	other.Name = "other"
	if _, err := rss.UpdateScale(ctx, "web", other, metav1.UpdateOptions{}); !apierrors.IsBadRequest(err) {
		t.Errorf("a Scale naming another object: got %v, want 400", err)
	}
	if _, err := rss.GetScale(ctx, "missing", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("scale of a missing ReplicaSet: got %v, want 404", err)
	}
	if _, err := rss.Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":"many"}}`), metav1.PatchOptions{}, "scale"); !apierrors.IsBadRequest(err) {
		t.Errorf("a patch that makes replicas a string: got %v, want 400", err)
	}

	raw := rest.CopyConfig(s.Config)
	raw.GroupVersion, raw.APIPath = &autoscalingv1.SchemeGroupVersion, "/apis"
	raw.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	rc, err := rest.RESTClientFor(raw)
	if err != nil {
		t.Fatal(err)
	}
	var code int
	rc.Get().AbsPath("/api/v1/namespaces/default/pods/web/scale").Do(ctx).StatusCode(&code)
	if code != http.StatusNotFound {
		t.Errorf("pods/scale answered %d, want 404: pods have no scale", code)
	}
	rc.Post().AbsPath("/apis/apps/v1/namespaces/default/replicasets/web/scale").Body([]byte(`{}`)).Do(ctx).StatusCode(&code)
	if code != http.StatusMethodNotAllowed {
		t.Errorf("POST to a scale answered %d, want 405", code)
	}
	after, _ := rss.Get(ctx, "web", metav1.GetOptions{})
	if *after.Spec.Replicas != 3 {
		t.Errorf("bad input changed the ReplicaSet: replicas %d", *after.Spec.Replicas)
	}
}
