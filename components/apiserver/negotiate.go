package apiserver

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ownkube/ownkube/components/api"
	"github.com/ownkube/ownkube/components/apiserver/tables"
)

// form is what a client gets back from a read: the objects, or a Table.
type form int

const (
	formObject form = iota // JSON
	formProtobuf
	formTable
)

// negotiate picks the first form in the client's Accept header the server
// can write. kubectl get asks for
//
//	application/json;as=Table;v=v1;g=meta.k8s.io,application/json
//
// and gets a Table; client-go's typed clients ask for protobuf, then JSON,
// and get protobuf; anyone else gets JSON.
func negotiate(accept string) (form, error) {
	if strings.TrimSpace(accept) == "" {
		return formObject, nil
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch {
		case (mt == "application/json" || mt == "*/*" || mt == "application/*") && params["as"] == "":
			return formObject, nil
		case mt == runtime.ContentTypeProtobuf && params["as"] == "":
			return formProtobuf, nil
		case mt == "application/json" && params["as"] == "Table" && params["g"] == "meta.k8s.io" &&
			(params["v"] == "v1" || params["v"] == "v1beta1"):
			return formTable, nil
		}
	}
	return formObject, notAcceptable(accept)
}

// table renders items of res as a Table, honouring includeObject.
func (s *Server) table(r *http.Request, res api.Resource, items []runtime.Object) (*metav1.Table, error) {
	policy := metav1.IncludeObjectPolicy(r.URL.Query().Get("includeObject"))
	switch policy {
	case "", metav1.IncludeMetadata, metav1.IncludeObject, metav1.IncludeNone:
	default:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid includeObject %q: use None, Metadata or Object", policy))
	}
	t, err := tables.Convert(res, items, policy, time.Now())
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("print %s as a table: %w", res.Resource, err))
	}
	return t, nil
}
