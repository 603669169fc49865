package apiserver

import (
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ownkube/ownkube/components/api"
)

// request is what a resource path and method mean, parsed once.
type request struct {
	resource    api.Resource
	namespace   string
	name        string
	subresource string
	// proxyPath is what follows <name>/proxy in a proxy request's path.
	proxyPath string
	// verb is Kubernetes' name for the action: get, list, watch, create,
	// update, patch, delete or deletecollection.
	verb string
}

// parseRequest reads /api/v1/... and /apis/<group>/<version>/... paths in
// the forms kube-apiserver serves:
//
//	<prefix>/<resource>[/<name>[/<subresource>]]                       cluster-scoped, or every namespace
//	<prefix>/namespaces/<namespace>/<resource>[/<name>[/<subresource>]] namespaced
//
// /api/v1/namespaces/<name>/status is the namespace's own subresource, not
// a resource called "status": namespaces' subresources are no resources.
func parseRequest(method, path string, watchParam bool) (*request, error) {
	gv, rest, ok := splitGroupVersion(path)
	if !ok || len(rest) == 0 {
		return nil, apierrors.NewNotFound(schema.GroupResource{}, path)
	}
	req := &request{}
	namespaces, _ := api.Lookup(schema.GroupVersion{Version: "v1"}.WithResource("namespaces"))
	if rest[0] == "namespaces" && len(rest) >= 3 && !(gv.Group == "" && namespaces.HasSubresource(rest[2])) {
		req.namespace, rest = rest[1], rest[2:]
	}
	if len(rest) >= 3 && rest[2] == "proxy" {
		req.proxyPath = afterSegment(path, "proxy", len(rest)-3)
		rest = rest[:3]
	}
	if len(rest) > 3 {
		return nil, notFoundPath(path)
	}
	r, ok := api.Lookup(gv.WithResource(rest[0]))
	if !ok {
		return nil, apierrors.NewNotFound(schema.GroupResource{Group: gv.Group, Resource: rest[0]}, "")
	}
	req.resource = r
	if len(rest) > 1 {
		req.name = rest[1]
	}
	if len(rest) > 2 {
		req.subresource = rest[2]
		if !r.HasSubresource(req.subresource) {
			return nil, notFoundPath(path)
		}
	}
	if err := req.checkScope(path); err != nil {
		return nil, err
	}
	return req, req.setVerb(method, watchParam)
}

// afterSegment is what follows the segment named seg that has tail more
// segments after it: the path a proxy request carries on, with its
// trailing slash.
func afterSegment(path, seg string, tail int) string {
	rest := path
	for range tail {
		i := strings.LastIndex(strings.TrimRight(rest, "/"), "/")
		if i < 0 {
			return ""
		}
		rest = rest[:i]
	}
	rest = strings.TrimRight(rest, "/")
	if !strings.HasSuffix(rest, "/"+seg) {
		return ""
	}
	return path[len(rest):]
}

// splitGroupVersion takes /api/v1 or /apis/<group>/<version> off a path.
func splitGroupVersion(path string) (schema.GroupVersion, []string, bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		return schema.GroupVersion{Version: parts[1]}, parts[2:], true
	case len(parts) >= 3 && parts[0] == "apis":
		return schema.GroupVersion{Group: parts[1], Version: parts[2]}, parts[3:], true
	}
	return schema.GroupVersion{}, nil, false
}

// checkScope refuses a namespaced resource named without its namespace, and
// a cluster-scoped one named inside a namespace.
func (req *request) checkScope(path string) error {
	if !req.resource.Namespaced && req.namespace != "" {
		return notFoundPath(path)
	}
	if req.resource.Namespaced && req.namespace == "" && req.name != "" {
		return notFoundPath(path)
	}
	for _, segment := range []string{req.namespace, req.name} {
		if segment == "." || segment == ".." || strings.ContainsAny(segment, "%") {
			return apierrors.NewBadRequest(fmt.Sprintf("invalid path segment %q", segment))
		}
	}
	return nil
}

func (req *request) setVerb(method string, watchParam bool) error {
	item := req.name != ""
	if req.subresource == "proxy" {
		return req.setProxyVerb(method)
	}
	switch {
	case method == http.MethodGet && item:
		req.verb = "get"
	case method == http.MethodGet && watchParam:
		req.verb = "watch"
	case method == http.MethodGet:
		req.verb = "list"
	case method == http.MethodPost && (!item || req.subresource == "binding" || req.subresource == "eviction" || connectPaths[req.subresource] != ""):
		req.verb = "create"
	case method == http.MethodPut && item:
		req.verb = "update"
	case method == http.MethodPatch && item:
		req.verb = "patch"
	case method == http.MethodDelete && item:
		req.verb = "delete"
	case method == http.MethodDelete:
		req.verb = "deletecollection"
	}
	if req.verb == "" || !req.allows() {
		return apierrors.NewMethodNotSupported(req.resource.GroupResource(), strings.ToLower(method))
	}
	return nil
}

// proxyVerbs are the verbs of proxied methods, as kube-apiserver names
// them for authorization.
var proxyVerbs = map[string]string{
	http.MethodGet: "get", http.MethodHead: "get", http.MethodOptions: "get",
	http.MethodPost: "create", http.MethodPut: "update", http.MethodPatch: "patch", http.MethodDelete: "delete",
}

func (req *request) setProxyVerb(method string) error {
	if req.verb = proxyVerbs[method]; req.verb == "" {
		return apierrors.NewMethodNotSupported(req.resource.GroupResource(), strings.ToLower(method))
	}
	return nil
}

// allows says whether the verb makes sense at this path: a collection of
// every namespace can only be read, binding and eviction can only be created.
func (req *request) allows() bool {
	if req.resource.Namespaced && req.namespace == "" {
		return req.verb == "list" || req.verb == "watch"
	}
	switch req.subresource {
	case "binding", "eviction":
		return req.verb == "create"
	case "log":
		return req.verb == "get"
	case "portforward":
		return req.verb == "get" || req.verb == "create"
	case "finalize":
		return req.verb == "update"
	case "status", "scale":
		return req.verb == "get" || req.verb == "update" || req.verb == "patch"
	}
	return true
}

func notFoundPath(path string) error {
	return apierrors.NewGenericServerResponse(http.StatusNotFound, "", schema.GroupResource{}, "",
		fmt.Sprintf("the server could not find the requested resource (%s)", path), 0, false)
}
