package apiserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"sigs.k8s.io/yaml"

	"github.com/ownkube/ownkube/components/api"
)

// maxBodyBytes is kube-apiserver's limit on a request body (3 MiB).
const maxBodyBytes = 3 << 20

var protobufSerializer = protobuf.NewSerializer(api.Scheme, api.Scheme)

var strictSerializer = json.NewSerializerWithOptions(json.DefaultMetaFactory, api.Scheme, api.Scheme, json.SerializerOptions{Strict: true})

// readBody reads a request body of at most maxBodyBytes: a larger one is a
// 413, and nothing of it is decoded.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d bytes", maxBodyBytes))
	}
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("read request body: %v", err))
	}
	return data, nil
}

// bodyJSON reads an object body, JSON or YAML, as JSON.
func bodyJSON(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	switch mt := mediaType(r); mt {
	case "application/json", "":
		if mt == "" && r.Header.Get("Content-Type") != "" {
			return nil, unsupportedMediaType(r.Header.Get("Content-Type"), "application/json", "application/yaml", runtime.ContentTypeProtobuf)
		}
		return readBody(w, r)
	case runtime.ContentTypeProtobuf:
		return protobufAsJSON(w, r)
	case "application/yaml":
		data, err := readBody(w, r)
		if err != nil {
			return nil, err
		}
		out, err := yaml.YAMLToJSON(data)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("the body is not valid YAML: %v", err))
		}
		return out, nil
	default:
		return nil, unsupportedMediaType(mt, "application/json", "application/yaml", runtime.ContentTypeProtobuf)
	}
}

// protobufAsJSON reads a protobuf body, as kubectl create and controllers
// send, and re-encodes it as JSON so every body takes one path from here.
func protobufAsJSON(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	data, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	obj, _, err := protobufSerializer.Decode(data, nil, nil)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the body is not a valid protobuf object: %v", err))
	}
	out, err := runtime.Encode(jsonSerializer, obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the protobuf body cannot be read as JSON: %v", err))
	}
	return out, nil
}

// fieldValidation is the request's fieldValidation parameter: what to do
// with fields the type does not know, or that appear twice.
type fieldValidation string

const (
	validationIgnore fieldValidation = metav1.FieldValidationIgnore
	validationWarn   fieldValidation = metav1.FieldValidationWarn
	validationStrict fieldValidation = metav1.FieldValidationStrict
)

func parseFieldValidation(r *http.Request) (fieldValidation, error) {
	switch v := r.URL.Query().Get("fieldValidation"); v {
	case "":
		return validationWarn, nil // kube-apiserver's default
	case string(validationIgnore), string(validationWarn), string(validationStrict):
		return fieldValidation(v), nil
	default:
		return "", apierrors.NewBadRequest(fmt.Sprintf("invalid fieldValidation %q: use Ignore, Warn or Strict", v))
	}
}

// decodeObject decodes data as an object of r's kind. Unknown and duplicate
// fields are refused (Strict), reported (Warn, through warn) or dropped
// (Ignore). Data of another kind or version is a 400.
func decodeObject(data []byte, r api.Resource, mode fieldValidation, warn func(string)) (runtime.Object, error) {
	gvk := r.GVK()
	obj, actual, err := strictSerializer.Decode(data, &gvk, r.New())
	if err != nil && !runtime.IsStrictDecodingError(err) {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", r.Kind, r.Version, r.Kind, err))
	}
	if actual.Kind != r.Kind || actual.GroupVersion() != r.GroupVersion() {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the body is a %s of %q, but this path serves %s of %q",
			actual.Kind, actual.GroupVersion(), r.Kind, r.GroupVersion()))
	}
	if err != nil {
		switch mode {
		case validationStrict:
			return nil, apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", r.Kind, r.Version, r.Kind, err))
		case validationWarn:
			if strict, ok := runtime.AsStrictDecodingError(err); ok {
				for _, e := range strict.Errors() {
					warn(e.Error())
				}
			}
		}
	}
	return obj, nil
}

// decodeOptions decodes a small options body (DeleteOptions, Binding), in
// JSON or, as client-go sends it, protobuf; an empty body is the zero value.
func decodeOptions(r *http.Request, data []byte, into runtime.Object, what string) error {
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil
	}
	decoder := runtime.Decoder(jsonSerializer)
	if mediaType(r) == runtime.ContentTypeProtobuf {
		decoder = protobufSerializer
	}
	if _, _, err := decoder.Decode(data, nil, into); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("the body is not a valid %s: %v", what, err))
	}
	return nil
}

// readObject reads a create's or update's body as an object of r's kind,
// honouring the request's fieldValidation.
func readObject(w http.ResponseWriter, r *http.Request, res api.Resource) (runtime.Object, error) {
	mode, err := parseFieldValidation(r)
	if err != nil {
		return nil, err
	}
	data, err := bodyJSON(w, r)
	if err != nil {
		return nil, err
	}
	return decodeObject(data, res, mode, func(msg string) { warn(w, msg) })
}
