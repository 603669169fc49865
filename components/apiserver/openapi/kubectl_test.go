package openapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/ownkube/ownkube/components/api"
)

// These tests run on the served documents the checks kubectl v1.32 runs:
// k8s.io/cli-runtime's queryParamVerifierV3 and k8s.io/kubectl's apply
// patcher (gvkSupportsPatchOpenAPIV3, buildStrategicMergePatchFromOpenAPIV3).

// documents parses every served document as client-go does, into spec3.OpenAPI.
func documents(t *testing.T) map[schema.GroupVersion]*spec3.OpenAPI {
	t.Helper()
	h, err := NewHandler(api.Resources())
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	docs := map[schema.GroupVersion]*spec3.OpenAPI{}
	for _, gv := range api.GroupVersions() {
		var doc spec3.OpenAPI
		if err := json.Unmarshal(h.(*handler).docs[indexKey(gv)].body, &doc); err != nil {
			t.Fatalf("parse document of %s: %v", gv, err)
		}
		docs[gv] = &doc
	}
	return docs
}

// patchOperation finds, as kubectl does, the first PATCH operation whose
// x-kubernetes-group-version-kind is gvk. kubectl decides on the first it
// meets, in map order, so every PATCH of a kind must answer alike.
func patchOperation(doc *spec3.OpenAPI, gvk schema.GroupVersionKind) *spec3.Operation {
	for _, path := range doc.Paths.Paths {
		op := path.Patch
		if op == nil {
			continue
		}
		var got map[string]string
		if err := op.Extensions.GetObject(extGVK, &got); err != nil {
			continue
		}
		if got["group"] == gvk.Group && got["version"] == gvk.Version && got["kind"] == gvk.Kind {
			return op
		}
	}
	return nil
}

// supportsQueryParam is kubectl's supportsQueryParamV3.
func supportsQueryParam(doc *spec3.OpenAPI, gvk schema.GroupVersionKind, param string) bool {
	op := patchOperation(doc, gvk)
	if op == nil {
		return false
	}
	for _, p := range op.Parameters {
		if p.Name == param {
			return true
		}
	}
	return false
}

// supportsStrategicMergePatch is kubectl's gvkSupportsPatchOpenAPIV3.
func supportsStrategicMergePatch(doc *spec3.OpenAPI, gvk schema.GroupVersionKind) bool {
	op := patchOperation(doc, gvk)
	if op == nil || op.RequestBody == nil {
		return false
	}
	_, ok := op.RequestBody.Content["application/strategic-merge-patch+json"]
	return ok
}

// kindSchema finds, as kubectl does, the component schema whose
// x-kubernetes-group-version-kind list names gvk.
func kindSchema(doc *spec3.OpenAPI, gvk schema.GroupVersionKind) *spec.Schema {
	for _, s := range doc.Components.Schemas {
		var gvks []map[string]string
		if err := s.Extensions.GetObject(extGVK, &gvks); err != nil {
			continue
		}
		for _, got := range gvks {
			if got["group"] == gvk.Group && got["version"] == gvk.Version && got["kind"] == gvk.Kind {
				return s
			}
		}
	}
	return nil
}

func TestKubectlFindsServerSideFieldValidation(t *testing.T) {
	docs := documents(t)
	for _, r := range api.Resources() {
		gvk := r.GVK()
		if !supportsQueryParam(docs[gvk.GroupVersion()], gvk, "fieldValidation") {
			t.Errorf("%s: kubectl would not find fieldValidation on its PATCH", gvk)
		}
		if !supportsStrategicMergePatch(docs[gvk.GroupVersion()], gvk) {
			t.Errorf("%s: kubectl would not find strategic merge patch on its PATCH", gvk)
		}
	}
	// The kinds the brief names, so that a shrinking resource table shows here.
	for _, kind := range []string{"Pod", "ConfigMap", "Namespace", "Node"} {
		if gvk := corev1.SchemeGroupVersion.WithKind(kind); !supportsQueryParam(docs[gvk.GroupVersion()], gvk, "fieldValidation") {
			t.Errorf("%s: no fieldValidation", gvk)
		}
	}
	for _, gvk := range []schema.GroupVersionKind{appsv1.SchemeGroupVersion.WithKind("Deployment"),
		{Group: "coordination.k8s.io", Version: "v1", Kind: "Lease"}} {
		if !supportsQueryParam(docs[gvk.GroupVersion()], gvk, "fieldValidation") {
			t.Errorf("%s: no fieldValidation", gvk)
		}
	}
}

func TestEveryKindAndListHasItsSchema(t *testing.T) {
	docs := documents(t)
	for _, r := range api.Resources() {
		for _, gvk := range []schema.GroupVersionKind{r.GVK(), r.ListGVK()} {
			if kindSchema(docs[gvk.GroupVersion()], gvk) == nil {
				t.Errorf("no component schema carries %s", gvk)
			}
		}
	}
}

// TestEveryRefResolves walks each document for $refs that name no schema.
func TestEveryRefResolves(t *testing.T) {
	for gv, doc := range documents(t) {
		raw, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		var tree any
		if err := json.Unmarshal(raw, &tree); err != nil {
			t.Fatal(err)
		}
		walkRefs(tree, func(ref string) {
			name, ok := strings.CutPrefix(ref, "#/components/schemas/")
			if _, found := doc.Components.Schemas[name]; !ok || !found {
				t.Errorf("%s: dangling $ref %s", gv, ref)
			}
		})
	}
}

func walkRefs(node any, visit func(string)) {
	switch n := node.(type) {
	case map[string]any:
		for k, v := range n {
			if ref, ok := v.(string); ok && k == "$ref" {
				visit(ref)
			}
			walkRefs(v, visit)
		}
	case []any:
		for _, v := range n {
			walkRefs(v, visit)
		}
	}
}

// threeWayPatches computes `kubectl apply`'s patch twice: from the served
// schema, as kubectl does, and from the Go struct tags, as kubectl falls
// back to.
func threeWayPatches(t *testing.T, gvk schema.GroupVersionKind, original, modified, current any) (fromOpenAPI, fromStruct string) {
	t.Helper()
	doc := documents(t)[gvk.GroupVersion()]
	s := kindSchema(doc, gvk)
	if s == nil {
		t.Fatalf("no schema for %s", gvk)
	}
	obj, err := api.Scheme.New(gvk)
	if err != nil {
		t.Fatal(err)
	}
	structMeta, err := strategicpatch.NewPatchMetaFromStruct(obj)
	if err != nil {
		t.Fatal(err)
	}
	o, m, c := mustJSON(t, original), mustJSON(t, modified), mustJSON(t, current)
	openAPIMeta := strategicpatch.PatchMetaFromOpenAPIV3{Schema: s, SchemaList: doc.Components.Schemas}
	p1, err := strategicpatch.CreateThreeWayMergePatch(o, m, c, openAPIMeta, true)
	if err != nil {
		t.Fatalf("patch from OpenAPI: %v", err)
	}
	p2, err := strategicpatch.CreateThreeWayMergePatch(o, m, c, structMeta, true)
	if err != nil {
		t.Fatalf("patch from struct: %v", err)
	}
	return string(p1), string(p2)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func metaType(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

func objectMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": name}}
}

func TestApplyMergesPodContainersByName(t *testing.T) {
	pod := func(appImage string) *corev1.Pod {
		return &corev1.Pod{
			TypeMeta:   metaType("v1", "Pod"),
			ObjectMeta: objectMeta("web"),
			Spec: corev1.PodSpec{Containers: []corev1.Container{
				{Name: "app", Image: appImage, Ports: []corev1.ContainerPort{{ContainerPort: 80}}},
				{Name: "sidecar", Image: "busybox:1"},
			}},
		}
	}
	current := pod("nginx:1")
	current.ResourceVersion = "42"
	current.Spec.Containers[1].TerminationMessagePath = "/dev/termination-log"
	current.Status.Phase = corev1.PodRunning

	fromOpenAPI, fromStruct := threeWayPatches(t, corev1.SchemeGroupVersion.WithKind("Pod"), pod("nginx:1"), pod("nginx:2"), current)

	if fromOpenAPI != fromStruct {
		t.Errorf("patches differ:\nfrom OpenAPI: %s\nfrom struct:  %s", fromOpenAPI, fromStruct)
	}
	want := `{"spec":{"$setElementOrder/containers":[{"name":"app"},{"name":"sidecar"}],"containers":[{"image":"nginx:2","name":"app"}]}}`
	if fromOpenAPI != want {
		t.Errorf("patch from OpenAPI\n got %s\nwant %s", fromOpenAPI, want)
	}
}

func TestApplyMergesDeploymentTemplateLists(t *testing.T) {
	deployment := func(env string, volume corev1.VolumeSource) *appsv1.Deployment {
		return &appsv1.Deployment{
			TypeMeta:   metaType("apps/v1", "Deployment"),
			ObjectMeta: objectMeta("web"),
			Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "app", Image: "nginx",
					Env: []corev1.EnvVar{{Name: "MODE", Value: env}, {Name: "LEVEL", Value: "1"}}}},
				Volumes:     []corev1.Volume{{Name: "data", VolumeSource: volume}},
				Tolerations: []corev1.Toleration{{Key: "a"}},
			}}},
		}
	}
	emptyDir := corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
	configMap := corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}
	current := deployment("a", emptyDir)
	current.Spec.Template.Spec.Tolerations = append(current.Spec.Template.Spec.Tolerations, corev1.Toleration{Key: "b"})

	fromOpenAPI, fromStruct := threeWayPatches(t, appsv1.SchemeGroupVersion.WithKind("Deployment"),
		deployment("a", emptyDir), deployment("b", configMap), current)

	if fromOpenAPI != fromStruct {
		t.Errorf("patches differ:\nfrom OpenAPI: %s\nfrom struct:  %s", fromOpenAPI, fromStruct)
	}
	for _, directive := range []string{`"$setElementOrder/env"`, `"$retainKeys"`} {
		if !strings.Contains(fromOpenAPI, directive) {
			t.Errorf("patch %s lacks %s", fromOpenAPI, directive)
		}
	}
}

// TestPatchMetadataAgreesWithStructTags compares, field by field through
// every served kind, the patch strategy and merge key kubectl reads from
// the schemas with those it would read from the Go struct tags.
func TestPatchMetadataAgreesWithStructTags(t *testing.T) {
	docs := documents(t)
	w := &patchMetaWalker{t: t, seen: map[reflect.Type]bool{}}
	for _, r := range api.Resources() {
		doc := docs[r.GroupVersion()]
		obj := r.New()
		structMeta, err := strategicpatch.NewPatchMetaFromStruct(obj)
		if err != nil {
			t.Fatal(err)
		}
		openAPIMeta := strategicpatch.PatchMetaFromOpenAPIV3{Schema: kindSchema(doc, r.GVK()), SchemaList: doc.Components.Schemas}
		w.walk(r.Kind, reflect.TypeOf(obj).Elem(), structMeta, openAPIMeta)
	}
	// containers, volumes, env, ports, finalizers, ownerReferences, …
	if w.strategic < 20 {
		t.Errorf("only %d fields with a patch strategy compared", w.strategic)
	}
}

type patchMetaWalker struct {
	t         *testing.T
	seen      map[reflect.Type]bool
	strategic int // fields compared that have a patch strategy
}

// walk compares the patch metadata of typ's struct and slice fields, then
// walks into their element types, each type once.
func (w *patchMetaWalker) walk(path string, typ reflect.Type, fromStruct, fromOpenAPI strategicpatch.LookupPatchMeta) {
	if w.seen[typ] {
		return
	}
	w.seen[typ] = true
	for _, f := range jsonFields(typ) {
		name, _ := jsonName(f)
		ft := deref(f.Type)
		lookup, elem := strategicpatch.LookupPatchMeta.LookupPatchMetadataForStruct, ft
		switch {
		case selfMarshalling(ft):
			continue
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8:
			lookup, elem = strategicpatch.LookupPatchMeta.LookupPatchMetadataForSlice, deref(ft.Elem())
		case ft.Kind() != reflect.Struct:
			continue
		}
		subStruct, want, err := lookup(fromStruct, name)
		if err != nil {
			w.t.Fatalf("%s.%s from struct: %v", path, name, err)
		}
		subOpenAPI, got, err := lookup(fromOpenAPI, name)
		if err != nil {
			w.t.Fatalf("%s.%s from OpenAPI: %v", path, name, err)
		}
		if fmt.Sprint(got.GetPatchStrategies()) != fmt.Sprint(want.GetPatchStrategies()) || got.GetPatchMergeKey() != want.GetPatchMergeKey() {
			w.t.Errorf("%s.%s: OpenAPI says %v by %q, struct tags %v by %q", path, name,
				got.GetPatchStrategies(), got.GetPatchMergeKey(), want.GetPatchStrategies(), want.GetPatchMergeKey())
		}
		if len(want.GetPatchStrategies()) > 0 {
			w.strategic++
		}
		if elem.Kind() == reflect.Struct && !selfMarshalling(elem) {
			w.walk(path+"."+name, elem, subStruct, subOpenAPI)
		}
	}
}

// jsonFields are the fields encoding/json writes under their own names,
// those of inlined embedded structs included.
func jsonFields(typ reflect.Type) []reflect.StructField {
	var fields []reflect.StructField
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _ := jsonName(f)
		switch {
		case name == "-" || !f.IsExported():
		case f.Anonymous && name == "":
			fields = append(fields, jsonFields(deref(f.Type))...)
		case name != "":
			fields = append(fields, f)
		}
	}
	return fields
}

func selfMarshalling(t reflect.Type) bool {
	_, ok := reflect.New(t).Interface().(json.Marshaler)
	return ok
}
