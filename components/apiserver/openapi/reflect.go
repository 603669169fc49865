package openapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// The vendor extensions kubectl reads from a schema.
const (
	extGVK           = "x-kubernetes-group-version-kind"
	extPatchStrategy = "x-kubernetes-patch-strategy"
	extPatchMergeKey = "x-kubernetes-patch-merge-key"
)

// schemaBuilder turns Go types into OpenAPI schemas by reflection, the way
// kube-openapi's generator does from source: every named struct becomes a
// component schema under its canonical name, and fields refer to it by $ref.
type schemaBuilder struct {
	// schemas are the component schemas defined so far, by model name.
	schemas map[string]*spec.Schema
	// kinds names the group-version-kinds a type is served as (none for
	// types that are only parts of objects).
	kinds func(reflect.Type) []schema.GroupVersionKind
}

func newSchemaBuilder(kinds func(reflect.Type) []schema.GroupVersionKind) *schemaBuilder {
	return &schemaBuilder{schemas: map[string]*spec.Schema{}, kinds: kinds}
}

// schemaOf returns the schema of a value of type t: a $ref for a named
// struct (defining its component schema on first use), an inline schema
// for everything else. Pointers stand for their pointee: JSON has no
// pointers, only absent fields.
func (b *schemaBuilder) schemaOf(t reflect.Type) (spec.Schema, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if t.Name() == "" {
			return b.objectSchema(t)
		}
		return b.refTo(t)
	case reflect.Slice, reflect.Array:
		return b.arraySchema(t)
	case reflect.Map:
		values, err := b.schemaOf(t.Elem())
		if err != nil {
			return spec.Schema{}, fmt.Errorf("map values: %w", err)
		}
		s := typed("object", "")
		s.AdditionalProperties = &spec.SchemaOrBool{Allows: true, Schema: &values}
		return s, nil
	case reflect.Interface:
		return typed("object", ""), nil
	}
	if tf, ok := scalars[t.Kind()]; ok {
		return typed(tf[0], tf[1]), nil
	}
	return spec.Schema{}, fmt.Errorf("no OpenAPI type for Go type %s", t)
}

// scalars maps Go kinds to OpenAPI type and format, as kube-openapi does.
var scalars = map[reflect.Kind][2]string{
	reflect.String:  {"string", ""},
	reflect.Bool:    {"boolean", ""},
	reflect.Int:     {"integer", "int32"},
	reflect.Int8:    {"integer", "byte"},
	reflect.Int16:   {"integer", "int32"},
	reflect.Int32:   {"integer", "int32"},
	reflect.Int64:   {"integer", "int64"},
	reflect.Uint:    {"integer", "int32"},
	reflect.Uint8:   {"integer", "byte"},
	reflect.Uint16:  {"integer", "int32"},
	reflect.Uint32:  {"integer", "int64"},
	reflect.Uint64:  {"integer", "int64"},
	reflect.Float32: {"number", "float"},
	reflect.Float64: {"number", "double"},
}

func (b *schemaBuilder) arraySchema(t reflect.Type) (spec.Schema, error) {
	// encoding/json writes a []byte as one base64 string, not as an array.
	if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
		return typed("string", "byte"), nil
	}
	items, err := b.schemaOf(t.Elem())
	if err != nil {
		return spec.Schema{}, fmt.Errorf("items: %w", err)
	}
	s := typed("array", "")
	s.Items = &spec.SchemaOrArray{Schema: &items}
	return s, nil
}

// refTo defines the component schema of the named struct t, once, and
// returns a schema referring to it.
func (b *schemaBuilder) refTo(t reflect.Type) (spec.Schema, error) {
	name := modelName(t)
	if _, defined := b.schemas[name]; !defined {
		// Reserve the name first, so that a type reaching itself through
		// its fields refers to itself instead of recursing forever.
		b.schemas[name] = &spec.Schema{}
		s, err := b.define(t)
		if err != nil {
			return spec.Schema{}, fmt.Errorf("%s: %w", name, err)
		}
		*b.schemas[name] = s
	}
	return *spec.RefSchema("#/components/schemas/" + name), nil
}

// define builds the component schema of a named struct: its body, its
// description and, for a kind, the group-version-kinds kubectl looks up.
func (b *schemaBuilder) define(t reflect.Type) (spec.Schema, error) {
	s, err := b.definitionBody(t)
	if err != nil {
		return spec.Schema{}, err
	}
	s.Description = typeDoc(t)
	if gvks := b.kinds(t); len(gvks) > 0 {
		s.AddExtension(extGVK, gvkList(gvks))
	}
	return s, nil
}

// The methods by which apimachinery types that marshal themselves (Time,
// Quantity, IntOrString, Duration, …) tell kube-openapi how they look in JSON.
type (
	openAPITyper interface {
		OpenAPISchemaType() []string
		OpenAPISchemaFormat() string
	}
	openAPIV3OneOfTyper interface {
		OpenAPIV3OneOfTypes() []string
	}
)

// definitionBody is what a struct looks like in JSON: what it says of
// itself if it marshals itself, otherwise an object of its fields.
func (b *schemaBuilder) definitionBody(t reflect.Type) (spec.Schema, error) {
	v := reflect.New(t).Interface()
	typer, isTyper := v.(openAPITyper)
	switch oneOf, isOneOf := v.(openAPIV3OneOfTyper); {
	case isTyper && isOneOf:
		// Quantity is a string or a number, IntOrString an integer or a string.
		s := spec.Schema{}
		for _, typ := range oneOf.OpenAPIV3OneOfTypes() {
			s.OneOf = append(s.OneOf, typed(typ, ""))
		}
		s.Format = typer.OpenAPISchemaFormat()
		return s, nil
	case isTyper:
		s := spec.Schema{}
		s.Type = typer.OpenAPISchemaType()
		s.Format = typer.OpenAPISchemaFormat()
		return s, nil
	}
	if _, ok := v.(json.Marshaler); ok {
		// RawExtension and FieldsV1 hold arbitrary JSON objects.
		return typed("object", ""), nil
	}
	return b.objectSchema(t)
}

// objectSchema is a struct as encoding/json writes it: one property per
// field, by its json name.
func (b *schemaBuilder) objectSchema(t reflect.Type) (spec.Schema, error) {
	s := typed("object", "")
	err := b.addFields(&s, t)
	return s, err
}

// addFields adds t's fields to s, inlining embedded structs without a json
// name (TypeMeta, VolumeSource, …) as encoding/json does. A field is
// required when it has no omitempty, which is the rule kube-openapi falls
// back to when a field carries no +optional or +required comment.
func (b *schemaBuilder) addFields(s *spec.Schema, t reflect.Type) error {
	docs := swaggerDoc(t)
	for i := range t.NumField() {
		f := t.Field(i)
		name, optional := jsonName(f)
		if name == "-" || !f.IsExported() {
			continue
		}
		if inline := deref(f.Type); f.Anonymous && name == "" && inline.Kind() == reflect.Struct {
			if err := b.addFields(s, inline); err != nil {
				return err
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		fs, err := b.fieldSchema(f, docs[name])
		if err != nil {
			return fmt.Errorf("field %s: %w", f.Name, err)
		}
		if s.Properties == nil {
			s.Properties = map[string]spec.Schema{}
		}
		s.Properties[name] = fs
		if !optional {
			s.Required = append(s.Required, name)
		}
	}
	return nil
}

// fieldSchema is the schema of one field, with its description and the
// strategic-merge-patch directives of its struct tags. A $ref may have no
// siblings in OpenAPI 3.0, so a referring field that adds anything wraps
// the reference in allOf, as kube-apiserver does; strategicpatch and
// kubectl explain both look through that allOf.
func (b *schemaBuilder) fieldSchema(f reflect.StructField, doc string) (spec.Schema, error) {
	s, err := b.schemaOf(f.Type)
	if err != nil {
		return spec.Schema{}, err
	}
	ext := patchExtensions(f.Tag)
	if s.Ref.String() != "" && (doc != "" || len(ext) > 0) {
		s = spec.Schema{SchemaProps: spec.SchemaProps{AllOf: []spec.Schema{s}}}
	}
	s.Description = doc
	for k, v := range ext {
		s.AddExtension(k, v)
	}
	return s, nil
}

// patchExtensions carries the patchStrategy and patchMergeKey struct tags
// (containers merge by name, volumes by name and retainKeys, …) into the
// extensions kubectl builds strategic merge patches from.
func patchExtensions(tag reflect.StructTag) map[string]string {
	ext := map[string]string{}
	if v := tag.Get("patchStrategy"); v != "" {
		ext[extPatchStrategy] = v
	}
	if v := tag.Get("patchMergeKey"); v != "" {
		ext[extPatchMergeKey] = v
	}
	return ext
}

// jsonName is the field's name in JSON ("" for none given) and whether
// the field may be left out.
func jsonName(f reflect.StructField) (name string, optional bool) {
	name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
	for _, opt := range strings.Split(opts, ",") {
		if opt == "omitempty" || opt == "omitzero" {
			optional = true
		}
	}
	return name, optional
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// modelName is the name kube-apiserver gives a type's schema: its Go
// package path with the domain reversed, then its name
// (k8s.io/api/core/v1.Pod → io.k8s.api.core.v1.Pod).
func modelName(t reflect.Type) string {
	pkg := strings.Split(t.PkgPath(), "/")
	if domain := strings.Split(pkg[0], "."); len(domain) > 1 {
		for i, j := 0, len(domain)-1; i < j; i, j = i+1, j-1 {
			domain[i], domain[j] = domain[j], domain[i]
		}
		pkg[0] = strings.Join(domain, ".")
	}
	return strings.Join(pkg, ".") + "." + t.Name()
}

// swaggerDoc returns the descriptions generated into k8s.io/api and
// apimachinery types: "" describes the type, a json name its field.
func swaggerDoc(t reflect.Type) map[string]string {
	if d, ok := reflect.New(t).Interface().(interface{ SwaggerDoc() map[string]string }); ok {
		return d.SwaggerDoc()
	}
	return nil
}

func typeDoc(t reflect.Type) string {
	if doc := swaggerDoc(t)[""]; doc != "" {
		return doc
	}
	return selfMarshalledDocs[modelName(t)]
}

// selfMarshalledDocs describe the apimachinery types that have no
// generated SwaggerDoc, because they marshal themselves.
var selfMarshalledDocs = map[string]string{
	"io.k8s.apimachinery.pkg.api.resource.Quantity":   "Quantity is a fixed-point number with an optional unit suffix, such as 100m, 1.5, 128Mi or 2G.",
	"io.k8s.apimachinery.pkg.util.intstr.IntOrString": "IntOrString is an int32 or a string, such as a port number or a port name.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.Time":       "Time is an RFC 3339 date and time, in seconds, such as 2024-01-02T15:04:05Z.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime":  "MicroTime is an RFC 3339 date and time with microseconds.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.Duration":   "Duration is a Go duration string, such as 1h2m3s.",
	"io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1":   "FieldsV1 is the set of fields a field manager owns, in the JSON form of a trie.",
	"io.k8s.apimachinery.pkg.runtime.RawExtension":    "RawExtension holds an embedded object of any kind, as JSON.",
}

// gvkList is the value of x-kubernetes-group-version-kind on a schema: a
// list, since a type such as DeleteOptions is served in many group versions.
func gvkList(gvks []schema.GroupVersionKind) []map[string]string {
	sort.Slice(gvks, func(i, j int) bool { return gvks[i].String() < gvks[j].String() })
	list := make([]map[string]string, 0, len(gvks))
	for _, gvk := range gvks {
		list = append(list, gvkMap(gvk))
	}
	return list
}

func gvkMap(gvk schema.GroupVersionKind) map[string]string {
	return map[string]string{"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind}
}

func typed(typ, format string) spec.Schema {
	s := spec.Schema{}
	s.Type = spec.StringOrArray{typ}
	s.Format = format
	return s
}
