package apiserver

import (
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"

	"github.com/ownkube/ownkube/components/api"
)

// jsonSerializer writes every response and reads every JSON body.
var jsonSerializer = json.NewSerializerWithOptions(json.DefaultMetaFactory, api.Scheme, api.Scheme, json.SerializerOptions{})

// writeObject answers with obj as JSON.
func writeObject(w http.ResponseWriter, code int, obj runtime.Object) {
	data, err := runtime.Encode(jsonSerializer, api.WithKind(obj))
	if err != nil {
		writeError(w, apierrors.NewInternalError(fmt.Errorf("encode %T: %w", obj, err)))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(data)
}

// writeResult answers a resource request with obj in the form the client
// prefers: protobuf for client-go's typed clients (cheaper on both ends),
// JSON otherwise.
func writeResult(w http.ResponseWriter, r *http.Request, code int, obj runtime.Object) {
	if f, err := negotiate(r.Header.Get("Accept")); err == nil && f == formProtobuf {
		data, err := runtime.Encode(protobufSerializer, api.WithKind(obj))
		if err == nil {
			w.Header().Set("Content-Type", runtime.ContentTypeProtobuf)
			w.WriteHeader(code)
			_, _ = w.Write(data)
			return
		}
	}
	writeObject(w, code, obj)
}

// writeError answers with err as a metav1.Status, Kubernetes' error form.
// An error that is not an API error is a bug of the server: it is logged
// and answered 500, never dropped.
func writeError(w http.ResponseWriter, err error) {
	status := statusOf(err)
	if status.Code >= 500 && status.Code != http.StatusNotImplemented && status.Code != http.StatusGatewayTimeout {
		slog.Error("request failed", "code", status.Code, "err", err)
	}
	writeObject(w, int(status.Code), status)
}

func statusOf(err error) *metav1.Status {
	var apiErr apierrors.APIStatus
	if errors.As(err, &apiErr) {
		s := apiErr.Status()
		return &s
	}
	s := apierrors.NewInternalError(err).Status()
	return &s
}

// warn adds a Warning header, which kubectl and client-go print.
func warn(w http.ResponseWriter, msg string) {
	w.Header().Add("Warning", fmt.Sprintf("299 - %q", msg))
}

// statusSuccess is the body of a successful call that returns no object.
func statusSuccess(details *metav1.StatusDetails) *metav1.Status {
	return &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusOK, Details: details}
}

// mediaType is a request's Content-Type without its parameters.
func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// unsupportedMediaType is the 415 of a body in a format the verb does not read.
func unsupportedMediaType(got string, accepted ...string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure,
		Code:   http.StatusUnsupportedMediaType,
		Reason: metav1.StatusReasonUnsupportedMediaType,
		Message: fmt.Sprintf("the body of the request was in an unknown format (%q) - accepted media types include: %s",
			got, strings.Join(accepted, ", ")),
	}}
}

// notAcceptable is the 406 of a client that accepts no format we write.
func notAcceptable(accept string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusNotAcceptable,
		Reason:  metav1.StatusReasonNotAcceptable,
		Message: fmt.Sprintf("only the following media types are accepted: application/json, application/vnd.kubernetes.protobuf, application/json;as=Table;v=v1;g=meta.k8s.io (asked for %q)", accept),
	}}
}
