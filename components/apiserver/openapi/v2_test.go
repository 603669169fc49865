package openapi

import (
	"encoding/json"
	"net/http"
	"testing"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/kube-openapi/pkg/util/proto"
)

// kubectl reads /openapi/v2 through client-go's OpenAPISchema (protobuf)
// into kube-openapi's proto models, the ones its client-side validation
// and `explain --output=plaintext-openapiv2` walk.
func TestV2ParsesAsKubectlReadsItWithEveryKindAndReference(t *testing.T) {
	models := v2Models(t)
	pod, ok := models.LookupModel("io.k8s.api.core.v1.Pod").(*proto.Kind)
	if !ok {
		t.Fatalf("no Pod kind among %d models", len(models.ListModels()))
	}
	if _, ok := pod.Fields["spec"]; !ok {
		t.Errorf("Pod has no spec field: %v", pod.Keys())
	}
	if gvk := pod.GetExtensions()["x-kubernetes-group-version-kind"]; gvk == nil {
		t.Errorf("Pod carries no x-kubernetes-group-version-kind, so kubectl cannot find it by kind")
	}
	for _, name := range []string{"io.k8s.apimachinery.pkg.util.intstr.IntOrString", "io.k8s.apimachinery.pkg.api.resource.Quantity"} {
		if p, ok := models.LookupModel(name).(*proto.Primitive); !ok || p.Type != "string" {
			t.Errorf("%s = %#v, want the string primitive kube's v2 has", name, models.LookupModel(name))
		}
	}
	if _, ok := models.LookupModel("io.k8s.api.apps.v1.Deployment").(*proto.Kind); !ok {
		t.Error("no Deployment: v2 must merge every group version's schemas")
	}
}

func TestV2IsJSONForThoseWhoDoNotAskForProtobuf(t *testing.T) {
	srv := newServer(t)
	resp, body := get(t, srv.URL+"/openapi/v2")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi/v2: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var doc struct {
		Swagger     string                     `json:"swagger"`
		Definitions map[string]json.RawMessage `json:"definitions"`
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Swagger != "2.0" || doc.Definitions["io.k8s.api.core.v1.ConfigMap"] == nil {
		t.Errorf("GET /openapi/v2 is no Swagger 2.0 document with ConfigMap (err %v, swagger %q)", err, doc.Swagger)
	}
}

// kubectl explain --output=plaintext-openapiv2 walks field by field: each
// must lead to its type's schema, not stop at an arbitrary value.
func TestV2FieldsLeadToTheirTypes(t *testing.T) {
	models := v2Models(t)
	var s proto.Schema = models.LookupModel("io.k8s.api.core.v1.Pod")
	for _, field := range []string{"spec", "containers", "image"} {
		if ref, ok := s.(proto.Reference); ok {
			s = ref.SubSchema()
		}
		if arr, ok := s.(*proto.Array); ok {
			s = arr.SubType
			if ref, ok := s.(proto.Reference); ok {
				s = ref.SubSchema()
			}
		}
		kind, ok := s.(*proto.Kind)
		if !ok {
			t.Fatalf("before field %s: %T (%s), want a kind with fields", field, s, s.GetPath())
		}
		if s = kind.Fields[field]; s == nil {
			t.Fatalf("%s has no field %s", kind.GetPath(), field)
		}
	}
	if p, ok := s.(*proto.Primitive); !ok || p.Type != "string" || p.GetDescription() == "" {
		t.Errorf("pods.spec.containers.image = %#v, want a described string", s)
	}
}

// v2Models reads /openapi/v2 from a fresh server as kubectl does: protobuf
// through client-go's OpenAPISchema, then kube-openapi's proto models.
func v2Models(t *testing.T) proto.Models {
	t.Helper()
	srv := newServer(t)
	dc, err := discovery.NewDiscoveryClientForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := dc.OpenAPISchema()
	if err != nil {
		t.Fatalf("OpenAPISchema: %v", err)
	}
	models, err := proto.NewOpenAPIData(doc) // fails on a reference to no definition
	if err != nil {
		t.Fatalf("NewOpenAPIData: %v", err)
	}
	return models
}
