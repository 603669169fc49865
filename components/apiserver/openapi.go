package apiserver

import (
	"net/http"

	"github.com/ownkube/ownkube/components/api"
	"github.com/ownkube/ownkube/components/apiserver/openapi"
)

// openAPIHandler serves /openapi/v3: kubectl reads it to learn that the
// server validates fields itself and how to merge lists in kubectl apply.
func openAPIHandler() (http.Handler, error) {
	return openapi.NewHandler(api.Resources())
}
