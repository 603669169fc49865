package api

import (
	"sort"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Resource is one served resource: everything discovery, routing, storage
// and OpenAPI need to know about it.
type Resource struct {
	schema.GroupVersionResource
	Kind       string
	Singular   string
	Namespaced bool
	ShortNames []string
	// Categories groups resources for kubectl: "all" is what `kubectl get all` lists.
	Categories []string
	// Subresources served under /<name>/<subresource>, such as "status".
	Subresources []string
	// Strategy holds the rules in which this kind differs from the rest.
	Strategy Strategy
}

// GVK is the resource's group, version and kind.
func (r Resource) GVK() schema.GroupVersionKind { return r.GroupVersion().WithKind(r.Kind) }

// ListGVK is the group, version and kind of the resource's list type.
func (r Resource) ListGVK() schema.GroupVersionKind {
	return r.GroupVersion().WithKind(r.Kind + "List")
}

// New returns an empty object of the resource's kind.
func (r Resource) New() runtime.Object { return mustNew(r.GVK()) }

// NewList returns an empty list of the resource's kind.
func (r Resource) NewList() runtime.Object { return mustNew(r.ListGVK()) }

// HasSubresource reports whether sub is served under this resource.
func (r Resource) HasSubresource(sub string) bool {
	for _, s := range r.Subresources {
		if s == sub {
			return true
		}
	}
	return false
}

// Verbs lists what can be done to the resource, for discovery.
func (r Resource) Verbs() []string {
	return []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
}

func mustNew(gvk schema.GroupVersionKind) runtime.Object {
	obj, err := Scheme.New(gvk)
	if err != nil {
		panic("api: a served kind is missing from the scheme: " + err.Error())
	}
	return obj
}

var (
	core         = schema.GroupVersion{Version: "v1"}
	apps         = schema.GroupVersion{Group: "apps", Version: "v1"}
	coordination = schema.GroupVersion{Group: "coordination.k8s.io", Version: "v1"}
	discovery    = schema.GroupVersion{Group: "discovery.k8s.io", Version: "v1"}
)

// resources is the table of everything served, in discovery order.
var resources = []Resource{
	{GroupVersionResource: core.WithResource("namespaces"), Kind: "Namespace", ShortNames: []string{"ns"},
		Subresources: []string{"status", "finalize"}, Strategy: namespaceStrategy{}},
	{GroupVersionResource: core.WithResource("pods"), Kind: "Pod", Namespaced: true, ShortNames: []string{"po"},
		Categories: []string{"all"}, Subresources: []string{"status", "binding", "log", "portforward"}, Strategy: podStrategy{}},
	{GroupVersionResource: core.WithResource("nodes"), Kind: "Node", ShortNames: []string{"no"},
		Subresources: []string{"status"}, Strategy: nodeStrategy{}},
	{GroupVersionResource: core.WithResource("services"), Kind: "Service", Namespaced: true, ShortNames: []string{"svc"},
		Categories: []string{"all"}, Subresources: []string{"status"}, Strategy: serviceStrategy{}},
	{GroupVersionResource: core.WithResource("endpoints"), Kind: "Endpoints", Namespaced: true, ShortNames: []string{"ep"},
		Strategy: plainStrategy{}},
	{GroupVersionResource: discovery.WithResource("endpointslices"), Kind: "EndpointSlice", Namespaced: true,
		Strategy: plainStrategy{}},
	{GroupVersionResource: core.WithResource("events"), Kind: "Event", Namespaced: true, ShortNames: []string{"ev"},
		Strategy: eventStrategy{}},
	{GroupVersionResource: core.WithResource("configmaps"), Kind: "ConfigMap", Namespaced: true, ShortNames: []string{"cm"},
		Strategy: plainStrategy{}},
	{GroupVersionResource: core.WithResource("secrets"), Kind: "Secret", Namespaced: true,
		Strategy: secretStrategy{}},
	{GroupVersionResource: core.WithResource("podtemplates"), Kind: "PodTemplate", Namespaced: true,
		Strategy: podTemplateStrategy{}},
	{GroupVersionResource: core.WithResource("serviceaccounts"), Kind: "ServiceAccount", Namespaced: true, ShortNames: []string{"sa"},
		Strategy: plainStrategy{}},
	{GroupVersionResource: coordination.WithResource("leases"), Kind: "Lease", Namespaced: true,
		Strategy: leaseStrategy{}},
	{GroupVersionResource: apps.WithResource("replicasets"), Kind: "ReplicaSet", Namespaced: true, ShortNames: []string{"rs"},
		Categories: []string{"all"}, Subresources: []string{"status", "scale"}, Strategy: replicaSetStrategy{}},
	{GroupVersionResource: apps.WithResource("deployments"), Kind: "Deployment", Namespaced: true, ShortNames: []string{"deploy"},
		Categories: []string{"all"}, Subresources: []string{"status", "scale"}, Strategy: deploymentStrategy{}},
}

func init() {
	for i := range resources {
		resources[i].Singular = lower(resources[i].Kind)
	}
}

// Resources returns the table of served resources, in discovery order.
func Resources() []Resource { return append([]Resource(nil), resources...) }

// Lookup finds a served resource by group, version and plural name.
func Lookup(gvr schema.GroupVersionResource) (Resource, bool) {
	for _, r := range resources {
		if r.GroupVersionResource == gvr {
			return r, true
		}
	}
	return Resource{}, false
}

// LookupKind finds a served resource by group, version and kind.
func LookupKind(gvk schema.GroupVersionKind) (Resource, bool) {
	for _, r := range resources {
		if r.GVK() == gvk {
			return r, true
		}
	}
	return Resource{}, false
}

// GroupVersions returns the served group versions, the core group first,
// then the named groups in name order.
func GroupVersions() []schema.GroupVersion {
	seen := map[schema.GroupVersion]bool{}
	var gvs []schema.GroupVersion
	for _, r := range resources {
		if gv := r.GroupVersion(); !seen[gv] {
			seen[gv] = true
			gvs = append(gvs, gv)
		}
	}
	sort.SliceStable(gvs, func(i, j int) bool { return gvs[i].Group < gvs[j].Group })
	return gvs
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
