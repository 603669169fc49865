package kubectl

import (
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

func TestWithLastApplied(t *testing.T) {
	obj := &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]interface{}{"name": "c"},
		"data":     map[string]interface{}{"k": "v"},
	}}
	modified, err := withLastApplied(obj)
	if err != nil {
		t.Fatal(err)
	}
	// As kubectl writes it: the object without the annotation, with an
	// empty annotations map, as compact JSON ending in a newline.
	want := `{"apiVersion":"v1","data":{"k":"v"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"c"}}` + "\n"
	if got := obj.GetAnnotations()[corev1.LastAppliedConfigAnnotation]; got != want {
		t.Errorf("annotation\n%q\nwant\n%q", got, want)
	}
	var back unstructured.Unstructured
	if err := back.UnmarshalJSON(modified); err != nil || back.GetAnnotations()[corev1.LastAppliedConfigAnnotation] != want {
		t.Errorf("modified does not carry the annotation: %s (%v)", modified, err)
	}
	// Applying again gives the same annotation, not one nested in another.
	if _, err := withLastApplied(obj); err != nil || obj.GetAnnotations()[corev1.LastAppliedConfigAnnotation] != want {
		t.Errorf("second apply changed the annotation: %q", obj.GetAnnotations()[corev1.LastAppliedConfigAnnotation])
	}
}

func TestApplyPatch(t *testing.T) {
	pod := schema.GroupVersionKind{Version: "v1", Kind: "Pod"}
	original := `{"metadata":{"name":"p","labels":{"a":"1","gone":"x"}},"spec":{"containers":[{"name":"c","image":"i:1"}]}}`
	for _, tc := range []struct {
		name              string
		gvk               schema.GroupVersionKind
		modified, current string
		want              string
		wantType          types.PatchType
	}{
		{
			name:     "nothing changed, server defaults left alone",
			gvk:      pod,
			modified: original,
			current:  `{"metadata":{"name":"p","uid":"u","labels":{"a":"1","gone":"x"}},"spec":{"restartPolicy":"Always","containers":[{"name":"c","image":"i:1","imagePullPolicy":"IfNotPresent"}]},"status":{"phase":"Pending"}}`,
			want:     `{}`, wantType: types.StrategicMergePatchType,
		},
		{
			name:     "a changed image merges containers by name; a dropped label is removed",
			gvk:      pod,
			modified: `{"metadata":{"name":"p","labels":{"a":"1"}},"spec":{"containers":[{"name":"c","image":"i:2"}]}}`,
			current:  `{"metadata":{"name":"p","labels":{"a":"1","gone":"x","other":"kept"}},"spec":{"containers":[{"name":"c","image":"i:1","imagePullPolicy":"IfNotPresent"}]}}`,
			want:     `{"metadata":{"labels":{"gone":null}},"spec":{"$setElementOrder/containers":[{"name":"c"}],"containers":[{"image":"i:2","name":"c"}]}}`,
			wantType: types.StrategicMergePatchType,
		},
		{
			name:     "a kind the client does not know gets a JSON merge patch",
			gvk:      schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"},
			modified: `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"p"},"spec":{"size":2}}`,
			current:  `{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"p"},"spec":{"size":1,"color":"red"}}`,
			want:     `{"spec":{"size":2}}`, wantType: types.MergePatchType,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orig := original
			if tc.wantType == types.MergePatchType {
				orig = ""
			}
			patch, pt, err := ApplyPatch(tc.gvk, []byte(orig), []byte(tc.modified), []byte(tc.current))
			if err != nil {
				t.Fatal(err)
			}
			if pt != tc.wantType || !jsonEqual(t, patch, tc.want) {
				t.Errorf("patch %s (%s), want %s (%s)", patch, pt, tc.want, tc.wantType)
			}
		})
	}
}

func jsonEqual(t *testing.T, a []byte, b string) bool {
	t.Helper()
	var x, y interface{}
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}
