package openapi

import (
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/ownkube/ownkube/components/api"
)

// buildDocument builds the OpenAPI 3.0 document of one group version: the
// paths of its resources and the schemas they reach.
func buildDocument(gv schema.GroupVersion, resources []api.Resource) (*spec3.OpenAPI, error) {
	b := newSchemaBuilder(schemeKinds)
	paths := map[string]*spec3.Path{}
	for _, r := range resources {
		if r.GroupVersion() != gv {
			continue
		}
		ops, err := newOperations(r, b)
		if err != nil {
			return nil, fmt.Errorf("operations of %s: %w", r.GroupVersionResource, err)
		}
		for path, item := range ops.paths() {
			paths[path] = item
		}
	}
	return &spec3.OpenAPI{
		Version:    "3.0.0",
		Info:       &spec.Info{InfoProps: spec.InfoProps{Title: "ownkube", Version: "unversioned"}},
		Paths:      &spec3.Paths{Paths: paths},
		Components: &spec3.Components{Schemas: b.schemas},
	}, nil
}

// schemeKinds are the group-version-kinds the scheme serves type t as:
// one for Pod, one per group version for DeleteOptions, none for PodSpec.
func schemeKinds(t reflect.Type) []schema.GroupVersionKind {
	obj, ok := reflect.New(t).Interface().(runtime.Object)
	if !ok {
		return nil
	}
	gvks, _, err := api.Scheme.ObjectKinds(obj)
	if err != nil {
		return nil
	}
	return gvks
}
