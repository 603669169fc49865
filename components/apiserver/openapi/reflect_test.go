package openapi

import (
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/ownkube/ownkube/components/api"
)

// build returns the schema of t, with any $ref replaced by the component
// schema it names, and the components defined on the way.
func build(t *testing.T, typ reflect.Type) (spec.Schema, map[string]*spec.Schema) {
	t.Helper()
	b := newSchemaBuilder(func(reflect.Type) []schema.GroupVersionKind { return nil })
	s, err := b.schemaOf(typ)
	if err != nil {
		t.Fatalf("schemaOf(%s): %v", typ, err)
	}
	if ref := s.Ref.String(); ref != "" {
		s = *b.schemas[ref[len("#/components/schemas/"):]]
	}
	return s, b.schemas
}

// asJSON is s as generic JSON, for comparisons that ignore key order.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSchemaOfGoTypes(t *testing.T) {
	tests := []struct {
		name string
		typ  reflect.Type
		want string // the schema without its description
	}{
		{"Quantity is a string or a number", reflect.TypeFor[resource.Quantity](),
			`{"oneOf":[{"type":"string"},{"type":"number"}]}`},
		{"IntOrString is an integer or a string", reflect.TypeFor[intstr.IntOrString](),
			`{"format":"int-or-string","oneOf":[{"type":"integer"},{"type":"string"}]}`},
		{"Time is a date-time string", reflect.TypeFor[metav1.Time](), `{"type":"string","format":"date-time"}`},
		{"MicroTime is a date-time string", reflect.TypeFor[metav1.MicroTime](), `{"type":"string","format":"date-time"}`},
		{"Duration is a string", reflect.TypeFor[metav1.Duration](), `{"type":"string"}`},
		{"RawExtension is any object", reflect.TypeFor[runtime.RawExtension](), `{"type":"object"}`},
		{"map[string]string", reflect.TypeFor[map[string]string](),
			`{"type":"object","additionalProperties":{"type":"string"}}`},
		{"ResourceList maps to Quantity refs", reflect.TypeFor[corev1.ResourceList](),
			`{"type":"object","additionalProperties":{"$ref":"#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity"}}`},
		{"[]byte is base64", reflect.TypeFor[[]byte](), `{"type":"string","format":"byte"}`},
		{"[]string", reflect.TypeFor[[]string](), `{"type":"array","items":{"type":"string"}}`},
		{"a pointer is its pointee", reflect.TypeFor[*int32](), `{"type":"integer","format":"int32"}`},
		{"int64", reflect.TypeFor[int64](), `{"type":"integer","format":"int64"}`},
		{"float64", reflect.TypeFor[float64](), `{"type":"number","format":"double"}`},
		{"bool", reflect.TypeFor[bool](), `{"type":"boolean"}`},
		{"UID is a string", reflect.TypeFor[types.UID](), `{"type":"string"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := build(t, tt.typ)
			s.Description = ""
			var want any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if got := asJSON(t, s); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %s\nwant %s", mustJSON(t, got), tt.want)
			}
		})
	}
}

// widget has the field shapes the reflection handles specially.
type widget struct {
	metav1.TypeMeta `json:",inline"`
	Meta            metav1.ObjectMeta  `json:"metadata,omitempty"`
	Name            string             `json:"name"`
	Parts           []corev1.Container `json:"parts,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	Owner           *corev1.ObjectReference
	Ignored         string `json:"-"`
	unexported      string //nolint:unused // must not become a property
}

func (widget) SwaggerDoc() map[string]string {
	return map[string]string{"": "A widget.", "metadata": "Standard object metadata.", "name": "The widget's name."}
}

func TestSchemaOfStruct(t *testing.T) {
	s, components := build(t, reflect.TypeFor[widget]())

	wantProps := []string{"Owner", "apiVersion", "kind", "metadata", "name", "parts"}
	var props []string
	for name := range s.Properties {
		props = append(props, name)
	}
	if !equalSorted(props, wantProps) {
		t.Errorf("properties %v, want %v", props, wantProps)
	}
	if s.Description != "A widget." {
		t.Errorf("description %q", s.Description)
	}
	t.Run("inline TypeMeta brings its fields and their docs", func(t *testing.T) {
		kind := s.Properties["kind"]
		if !kind.Type.Contains("string") || kind.Description == "" {
			t.Errorf("kind: %s", mustJSON(t, kind))
		}
	})
	t.Run("a ref with a description is wrapped in allOf", func(t *testing.T) {
		meta := s.Properties["metadata"]
		if len(meta.AllOf) != 1 || meta.AllOf[0].Ref.String() != "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" ||
			meta.Description != "Standard object metadata." {
			t.Errorf("metadata: %s", mustJSON(t, meta))
		}
		if components["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"] == nil {
			t.Error("ObjectMeta has no component schema")
		}
	})
	t.Run("a ref without a description stays plain", func(t *testing.T) {
		if owner := s.Properties["Owner"]; owner.Ref.String() != "#/components/schemas/io.k8s.api.core.v1.ObjectReference" {
			t.Errorf("Owner: %s", mustJSON(t, owner))
		}
	})
	t.Run("patch tags become extensions", func(t *testing.T) {
		parts := s.Properties["parts"]
		if parts.Extensions[extPatchStrategy] != "merge" || parts.Extensions[extPatchMergeKey] != "name" {
			t.Errorf("parts: %s", mustJSON(t, parts))
		}
	})
	t.Run("fields without omitempty are required", func(t *testing.T) {
		if !equalSorted(s.Required, []string{"Owner", "name"}) {
			t.Errorf("required %v", s.Required)
		}
	})
}

func TestKindsCarryTheirGroupVersionKinds(t *testing.T) {
	b := newSchemaBuilder(schemeKinds)
	for _, obj := range []any{&corev1.Pod{}, &metav1.DeleteOptions{}, &corev1.PodSpec{}} {
		if _, err := b.schemaOf(reflect.TypeOf(obj)); err != nil {
			t.Fatal(err)
		}
	}
	// DeleteOptions is spoken in every group version of the scheme: the
	// served ones, and autoscaling/v1, whose Scale the workloads' scale
	// subresource speaks; core first, then by group and version.
	gvs := append(api.GroupVersions(), schema.GroupVersion{Group: "autoscaling", Version: "v1"})
	slices.SortStableFunc(gvs[1:], func(a, b schema.GroupVersion) int {
		return cmp.Or(strings.Compare(a.Group, b.Group), strings.Compare(a.Version, b.Version))
	})
	var deleteOptions []string
	for _, gv := range gvs {
		deleteOptions = append(deleteOptions, fmt.Sprintf(`{"group":%q,"kind":"DeleteOptions","version":%q}`, gv.Group, gv.Version))
	}
	tests := map[string]string{
		"io.k8s.api.core.v1.Pod":                             `[{"group":"","kind":"Pod","version":"v1"}]`,
		"io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions": "[" + strings.Join(deleteOptions, ",") + "]",
		"io.k8s.api.core.v1.PodSpec":                         `null`,
	}
	for name, want := range tests {
		if got := string(mustJSON(t, b.schemas[name].Extensions[extGVK])); got != want {
			t.Errorf("%s: %s\nwant %s", name, got, want)
		}
	}
}

// TestModelNamesAreKubernetesOwn checks the names derived from package
// paths against those generated into the types for kube-openapi.
func TestModelNamesAreKubernetesOwn(t *testing.T) {
	for _, v := range []interface{ OpenAPIModelName() string }{
		corev1.Pod{}, corev1.PodSpec{}, appsv1.Deployment{}, coordinationv1.Lease{}, metav1.ObjectMeta{},
		metav1.Time{}, resource.Quantity{}, intstr.IntOrString{}, runtime.RawExtension{},
	} {
		if got, want := modelName(reflect.TypeOf(v)), v.OpenAPIModelName(); got != want {
			t.Errorf("modelName = %s, want %s", got, want)
		}
	}
}

func TestRequiredFollowsOmitempty(t *testing.T) {
	_, components := build(t, reflect.TypeFor[corev1.Pod]())
	for name, want := range map[string][]string{
		"io.k8s.api.core.v1.Pod":       nil,
		"io.k8s.api.core.v1.PodSpec":   {"containers"},
		"io.k8s.api.core.v1.Container": {"name"},
	} {
		if got := components[name].Required; !equalSorted(got, want) {
			t.Errorf("%s required %v, want %v", name, got, want)
		}
	}
}

func equalSorted(a, b []string) bool {
	set := map[string]int{}
	for _, s := range a {
		set[s]++
	}
	for _, s := range b {
		set[s]--
	}
	for _, n := range set {
		if n != 0 {
			return false
		}
	}
	return true
}
