package openapi

import (
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/ownkube/ownkube/components/api"
)

// Patch content types: kubectl looks for strategic-merge-patch+json here
// before it computes a strategic merge patch from the schemas.
var patchContentTypes = []string{
	"application/apply-patch+yaml",
	"application/json-patch+json",
	"application/merge-patch+json",
	"application/strategic-merge-patch+json",
}

// operations builds the operations of one resource, named and shaped as
// kube-apiserver names and shapes them; the responses are those this
// server gives (201 for a create, the object for a delete).
type operations struct {
	r api.Resource
	// The schemas the operations send and receive, as $refs.
	object, list, deleteOptions, patch spec.Schema
}

func newOperations(r api.Resource, b *schemaBuilder) (*operations, error) {
	obj, err := api.Scheme.New(r.GVK())
	if err != nil {
		return nil, fmt.Errorf("kind of %s: %w", r.GroupVersionResource, err)
	}
	list, err := api.Scheme.New(r.ListGVK())
	if err != nil {
		return nil, fmt.Errorf("list kind of %s: %w", r.GroupVersionResource, err)
	}
	o := &operations{r: r}
	for _, s := range []struct {
		into *spec.Schema
		obj  any
	}{
		{&o.object, obj}, {&o.list, list},
		{&o.deleteOptions, &metav1.DeleteOptions{}}, {&o.patch, &metav1.Patch{}},
	} {
		if *s.into, err = b.schemaOf(reflect.TypeOf(s.obj)); err != nil {
			return nil, fmt.Errorf("schema of %T: %w", s.obj, err)
		}
	}
	return o, nil
}

// paths returns the resource's paths: the collection, the item, the
// cluster-wide list of a namespaced resource, the status subresource, and
// pods' connect subresource portforward. Other subresources (binding, log,
// finalize) are left out: kubectl looks for none of them here.
func (o *operations) paths() map[string]*spec3.Path {
	paths := map[string]*spec3.Path{
		o.collectionPath(): o.collection(),
		o.itemPath():       o.item(),
	}
	if o.r.Namespaced {
		paths[o.prefix()+"/"+o.r.Resource] = o.allNamespaces()
	}
	if o.r.HasSubresource("status") {
		paths[o.itemPath()+"/status"] = o.statusSubresource()
	}
	if o.r.HasSubresource("portforward") {
		paths[o.itemPath()+"/portforward"] = o.connectSubresource("portforward", "PodPortForwardOptions", "ports")
	}
	return paths
}

// connectSubresource is a subresource a client connects to with GET or
// POST and then upgrades, as kube-apiserver describes it: its operations
// carry the options kind (PodPortForwardOptions), the action "connect",
// and answer a stream, typed string.
func (o *operations) connectSubresource(sub, optionsKind string, params ...string) *spec3.Path {
	p := &spec3.Path{}
	p.Parameters = []*spec3.Parameter{pathParam("name", "name of the "+optionsKind)}
	if o.r.Namespaced {
		p.Parameters = append(p.Parameters, pathParam("namespace", "object name and auth scope, such as for teams and projects"))
	}
	for _, name := range params {
		p.Parameters = append(p.Parameters, queryParam(name))
	}
	gvk := o.r.GroupVersion().WithKind(optionsKind)
	for _, method := range []string{"Get", "Post"} {
		op := o.op(opSpec{
			id:     "connect" + o.groupVersionID() + method + o.scope() + o.r.Kind + upperFirst(sub),
			action: "connect", doc: "connect " + strings.ToUpper(method) + " requests to " + sub + " of " + o.r.Kind,
			responses: &spec3.Responses{ResponsesProps: spec3.ResponsesProps{StatusCodeResponses: map[int]*spec3.Response{
				http.StatusOK: {ResponseProps: spec3.ResponseProps{Description: "OK", Content: content(typed("string", ""), "*/*")}},
			}}},
		})
		op.AddExtension(extGVK, gvkMap(gvk))
		if method == "Get" {
			p.Get = op
		} else {
			p.Post = op
		}
	}
	return p
}

// prefix is /api/v1 for the core group, /apis/<group>/<version> otherwise.
func (o *operations) prefix() string {
	if o.r.Group == "" {
		return "/api/" + o.r.Version
	}
	return "/apis/" + o.r.Group + "/" + o.r.Version
}

func (o *operations) collectionPath() string {
	if o.r.Namespaced {
		return o.prefix() + "/namespaces/{namespace}/" + o.r.Resource
	}
	return o.prefix() + "/" + o.r.Resource
}

func (o *operations) itemPath() string { return o.collectionPath() + "/{name}" }

func (o *operations) collection() *spec3.Path {
	p := o.path(false)
	p.Get = o.op(opSpec{
		id: o.id("list", ""), action: "list", doc: "list or watch objects of kind " + o.r.Kind,
		params: listParams, responses: listResponses(o.list),
	})
	p.Post = o.op(opSpec{
		id: o.id("create", ""), action: "post", doc: "create a " + o.r.Kind,
		params: writeParams, body: body(o.object, "*/*"),
		responses: responses(o.object, http.StatusCreated),
	})
	p.Delete = o.op(opSpec{
		// Unlike the others, this ID puts a word before the scope:
		// deleteCoreV1CollectionNamespacedPod.
		id:     "delete" + o.groupVersionID() + "Collection" + o.scope() + o.r.Kind,
		action: "deletecollection", doc: "delete collection of " + o.r.Kind,
		params: deleteCollectionParams, body: optionalBody(o.deleteOptions),
		// This server answers with the list of what it deleted.
		responses: responses(o.list, http.StatusOK),
	})
	return p
}

func (o *operations) item() *spec3.Path {
	p := o.path(true)
	o.addReadWrite(p, "", "the specified "+o.r.Kind)
	p.Delete = o.op(opSpec{
		id: o.id("delete", ""), action: "delete", doc: "delete a " + o.r.Kind,
		params: deleteParams, body: optionalBody(o.deleteOptions),
		// This server answers with the deleted object, or with the object
		// on its way out while finalizers or a grace period hold it.
		responses: responses(o.object, http.StatusOK),
	})
	return p
}

func (o *operations) statusSubresource() *spec3.Path {
	p := o.path(true)
	o.addReadWrite(p, "Status", "status of the specified "+o.r.Kind)
	return p
}

// addReadWrite adds get, put and patch, which an item and its status
// subresource share. kubectl finds the PATCH of a kind by its
// x-kubernetes-group-version-kind, so both PATCHes must carry
// fieldValidation and the strategic merge patch content type.
func (o *operations) addReadWrite(p *spec3.Path, suffix, what string) {
	p.Get = o.op(opSpec{
		id: o.id("read", suffix), action: "get", doc: "read " + what,
		responses: responses(o.object, http.StatusOK),
	})
	p.Put = o.op(opSpec{
		id: o.id("replace", suffix), action: "put", doc: "replace " + what,
		params: writeParams, body: body(o.object, "*/*"),
		responses: responses(o.object, http.StatusOK),
	})
	p.Patch = o.op(opSpec{
		id: o.id("patch", suffix), action: "patch", doc: "partially update " + what,
		params: patchParams, body: body(o.patch, patchContentTypes...),
		responses: responses(o.object, http.StatusOK),
	})
}

// allNamespaces is the list of a namespaced resource across all
// namespaces, what `kubectl get -A` asks for.
func (o *operations) allNamespaces() *spec3.Path {
	p := &spec3.Path{}
	p.Parameters = []*spec3.Parameter{queryParam("pretty")}
	p.Get = o.op(opSpec{
		id:     "list" + o.groupVersionID() + o.r.Kind + "ForAllNamespaces",
		action: "list", doc: "list or watch objects of kind " + o.r.Kind,
		params: listParams, responses: listResponses(o.list),
	})
	return p
}

// path starts a path with the parameters its operations share.
func (o *operations) path(item bool) *spec3.Path {
	p := &spec3.Path{}
	if item {
		p.Parameters = append(p.Parameters, pathParam("name", "name of the "+o.r.Kind))
	}
	if o.r.Namespaced {
		p.Parameters = append(p.Parameters, pathParam("namespace", "object name and auth scope, such as for teams and projects"))
	}
	p.Parameters = append(p.Parameters, queryParam("pretty"))
	return p
}

// opSpec is what differs between operations.
type opSpec struct {
	id        string
	action    string // x-kubernetes-action: get, list, post, put, patch, delete, deletecollection
	doc       string
	params    []string // names of query parameters
	body      *spec3.RequestBody
	responses *spec3.Responses
}

// op builds one operation. kubectl finds an operation by its
// x-kubernetes-group-version-kind, never by path or operationId, and reads
// the query parameters from the operation itself (not from its path).
func (o *operations) op(s opSpec) *spec3.Operation {
	op := &spec3.Operation{}
	op.OperationId, op.Description, op.Tags = s.id, s.doc, []string{o.tag()}
	for _, name := range s.params {
		op.Parameters = append(op.Parameters, queryParam(name))
	}
	op.RequestBody, op.Responses = s.body, s.responses
	op.AddExtension("x-kubernetes-action", s.action)
	op.AddExtension(extGVK, gvkMap(o.r.GVK()))
	return op
}

// id is an operation ID as kube-apiserver spells it: readCoreV1NamespacedPodStatus.
func (o *operations) id(verb, suffix string) string {
	return verb + o.groupVersionID() + o.scope() + o.r.Kind + suffix
}

func (o *operations) scope() string {
	if o.r.Namespaced {
		return "Namespaced"
	}
	return ""
}

// groupID is the group as operation IDs spell it: Core, Apps,
// Coordination (for coordination.k8s.io), RbacAuthorization.
func (o *operations) groupID() string {
	if o.r.Group == "" {
		return "Core"
	}
	var id strings.Builder
	for _, part := range strings.Split(strings.TrimSuffix(o.r.Group, ".k8s.io"), ".") {
		id.WriteString(upperFirst(part))
	}
	return id.String()
}

func (o *operations) groupVersionID() string { return o.groupID() + upperFirst(o.r.Version) }

// tag groups the operations of a group version: core_v1, apps_v1.
func (o *operations) tag() string {
	id := o.groupID()
	return strings.ToLower(id[:1]) + id[1:] + "_" + o.r.Version
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func body(s spec.Schema, contentTypes ...string) *spec3.RequestBody {
	rb := optionalBody(s, contentTypes...)
	rb.Required = true
	return rb
}

// optionalBody is a request body a client may leave out, as DeleteOptions.
func optionalBody(s spec.Schema, contentTypes ...string) *spec3.RequestBody {
	if len(contentTypes) == 0 {
		contentTypes = []string{"*/*"}
	}
	rb := &spec3.RequestBody{}
	rb.Content = content(s, contentTypes...)
	return rb
}

// responses names the one success an operation answers with. Failures
// are metav1.Status bodies, as everywhere in the API.
func responses(s spec.Schema, code int) *spec3.Responses {
	resp := &spec3.Response{}
	resp.Description = http.StatusText(code)
	resp.Content = content(s, "application/json")
	r := &spec3.Responses{}
	r.StatusCodeResponses = map[int]*spec3.Response{code: resp}
	return r
}

// listResponses also name the watch stream that a list with ?watch=true is.
func listResponses(s spec.Schema) *spec3.Responses {
	r := responses(s, http.StatusOK)
	r.StatusCodeResponses[http.StatusOK].Content = content(s, "application/json", "application/json;stream=watch")
	return r
}

func content(s spec.Schema, contentTypes ...string) map[string]*spec3.MediaType {
	c := map[string]*spec3.MediaType{}
	for _, ct := range contentTypes {
		schema := s
		c[ct] = &spec3.MediaType{MediaTypeProps: spec3.MediaTypeProps{Schema: &schema}}
	}
	return c
}

// The query parameters of each kind of operation. kubectl checks for
// fieldValidation on the PATCH of a kind before it leaves validation to
// the server (kubectl --validate=strict, its default).
var (
	listParams = []string{"allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit",
		"resourceVersion", "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds", "watch"}
	writeParams            = []string{"dryRun", "fieldManager", "fieldValidation"}
	patchParams            = []string{"dryRun", "fieldManager", "fieldValidation", "force"}
	deleteParams           = []string{"dryRun", "gracePeriodSeconds", "orphanDependents", "propagationPolicy"}
	deleteCollectionParams = sortedUnion(deleteParams, []string{"continue", "fieldSelector", "labelSelector", "limit",
		"resourceVersion", "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds"})
)

// queryParams describes every query parameter an operation may take.
var queryParams = map[string]struct{ typ, doc string }{
	"allowWatchBookmarks":  {"boolean", "Ask a watch for BOOKMARK events carrying the latest resourceVersion."},
	"continue":             {"string", "The continue token of the previous page of a paginated list."},
	"dryRun":               {"string", "All: validate and default the request but persist nothing."},
	"fieldManager":         {"string", "The name of the actor making the change."},
	"fieldSelector":        {"string", "Restrict the list to objects whose fields match, such as spec.nodeName=node-1."},
	"fieldValidation":      {"string", "What to do with unknown or duplicate fields in the body: Ignore, Warn (the default) or Strict."},
	"force":                {"boolean", "Let a server-side apply take fields owned by other managers."},
	"gracePeriodSeconds":   {"integer", "Seconds before the object is deleted; 0 deletes at once."},
	"labelSelector":        {"string", "Restrict the list to objects whose labels match, such as app=web."},
	"limit":                {"integer", "The most objects to return in one page of a list."},
	"orphanDependents":     {"boolean", "Deprecated: use propagationPolicy."},
	"ports":                {"integer", "List of ports to forward. Required when using WebSockets."},
	"pretty":               {"string", "If 'true', the output is indented."},
	"propagationPolicy":    {"string", "What becomes of the object's dependents: Orphan, Background or Foreground."},
	"resourceVersion":      {"string", "The resourceVersion to read from, or to watch from."},
	"resourceVersionMatch": {"string", "How resourceVersion applies to a list: Exact or NotOlderThan."},
	"sendInitialEvents":    {"boolean", "Start a watch with synthetic ADDED events for the current objects."},
	"timeoutSeconds":       {"integer", "End the list or watch after this many seconds."},
	"watch":                {"boolean", "Stream changes to the listed objects instead of listing them."},
}

func queryParam(name string) *spec3.Parameter {
	q, ok := queryParams[name]
	if !ok {
		panic("openapi: undescribed query parameter " + name)
	}
	p := &spec3.Parameter{}
	p.Name, p.In, p.Description = name, "query", q.doc
	schema := typed(q.typ, "")
	p.Schema = &schema
	return p
}

func pathParam(name, doc string) *spec3.Parameter {
	p := &spec3.Parameter{}
	p.Name, p.In, p.Description, p.Required = name, "path", doc, true
	schema := typed("string", "")
	p.Schema = &schema
	return p
}

func sortedUnion(a, b []string) []string {
	u := append(append([]string(nil), a...), b...)
	sort.Strings(u)
	return u
}
