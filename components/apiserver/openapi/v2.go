package openapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

const (
	v2Path = "/openapi/v2"
	// v2Protobuf is gnostic's protobuf form of the Swagger 2.0 document,
	// named as kube-apiserver names it (client-go asks for
	// ...spec.v2@v1.0+protobuf, a type Go's mime parser refuses as an answer).
	v2Protobuf = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
)

// v2Documents are /openapi/v2 in its two encodings.
type v2Documents struct {
	json, protobuf document
}

// buildV2 merges the schemas of every group version's OpenAPI 3 document
// into the one Swagger 2.0 document kube-apiserver serves at /openapi/v2.
// kubectl still reads it where v3 does not reach: client-side validation
// of what the server cannot validate (a kind: List of objects) and
// `kubectl explain --output=plaintext-openapiv2`. Both read only its
// definitions, so it carries no paths. The schemas are the v3 ones: the
// same JSON Schema subset, with their references moved from
// #/components/schemas/ to #/definitions/.
func buildV2(docs []*spec3.OpenAPI) (v2Documents, error) {
	schemas := map[string]*spec.Schema{}
	for _, d := range docs {
		for name, s := range d.Components.Schemas {
			schemas[name] = s
		}
	}
	raw, err := json.Marshal(schemas)
	if err != nil {
		return v2Documents{}, fmt.Errorf("encode the schemas: %w", err)
	}
	var definitions spec.Definitions
	moved := strings.ReplaceAll(string(raw), `"#/components/schemas/`, `"#/definitions/`)
	if err := json.Unmarshal([]byte(moved), &definitions); err != nil {
		return v2Documents{}, fmt.Errorf("decode the schemas as definitions: %w", err)
	}
	for name, s := range definitions {
		s = withoutOneOf(name, s)
		refsWithoutAllOf(&s)
		definitions[name] = s
	}
	swagger := &spec.Swagger{SwaggerProps: spec.SwaggerProps{
		Swagger:     "2.0",
		Info:        &spec.Info{InfoProps: spec.InfoProps{Title: "ownkube", Version: "unversioned"}},
		Paths:       &spec.Paths{Paths: map[string]spec.PathItem{}},
		Definitions: definitions,
	}}
	js, err := newDocument(swagger)
	if err != nil {
		return v2Documents{}, fmt.Errorf("encode the document: %w", err)
	}
	parsed, err := openapi_v2.ParseDocument(js.body)
	if err != nil {
		return v2Documents{}, fmt.Errorf("the Swagger 2.0 document does not parse as gnostic's: %w", err)
	}
	pb, err := proto.Marshal(parsed)
	if err != nil {
		return v2Documents{}, fmt.Errorf("encode the document as protobuf: %w", err)
	}
	return v2Documents{json: js, protobuf: document{body: pb, hash: js.hash}}, nil
}

// withoutOneOf gives a schema the form v2 has for it: Swagger 2.0 has no
// oneOf, and kube's openapi-gen writes Quantity and IntOrString (a string
// or a number in v3) as strings, IntOrString with format int-or-string.
func withoutOneOf(name string, s spec.Schema) spec.Schema {
	if len(s.OneOf) == 0 {
		return s
	}
	s.OneOf = nil
	s.Type = spec.StringOrArray{"string"}
	if strings.HasSuffix(name, ".IntOrString") {
		s.Format = "int-or-string"
	}
	return s
}

// refsWithoutAllOf turns v3's way of describing a reference, allOf of
// the one $ref beside a description, back into v2's $ref beside it, which
// is what kube-openapi's proto models (kubectl's reader) follow; they
// would take an allOf for an arbitrary value and explain nothing under it.
func refsWithoutAllOf(s *spec.Schema) {
	if len(s.AllOf) == 1 && s.AllOf[0].Ref.String() != "" && len(s.Type) == 0 {
		s.Ref = s.AllOf[0].Ref
		s.AllOf = nil
	}
	for name, p := range s.Properties {
		refsWithoutAllOf(&p)
		s.Properties[name] = p
	}
	if s.Items != nil {
		if s.Items.Schema != nil {
			refsWithoutAllOf(s.Items.Schema)
		}
		for i := range s.Items.Schemas {
			refsWithoutAllOf(&s.Items.Schemas[i])
		}
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		refsWithoutAllOf(s.AdditionalProperties.Schema)
	}
}

// serveV2 answers /openapi/v2 in protobuf to those who ask for it, as
// client-go does, and in JSON to everyone else.
func (h *handler) serveV2(w http.ResponseWriter, r *http.Request) {
	if strings.Contains(r.Header.Get("Accept"), "protobuf") {
		h.serveAs(w, r, h.v2.protobuf, v2Protobuf)
		return
	}
	h.serve(w, r, h.v2.json)
}
