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
	batch        = schema.GroupVersion{Group: "batch", Version: "v1"}
	networking   = schema.GroupVersion{Group: "networking.k8s.io", Version: "v1"}
	policy       = schema.GroupVersion{Group: "policy", Version: "v1"}
	autoscaling  = schema.GroupVersion{Group: "autoscaling", Version: "v2"}
	storage      = schema.GroupVersion{Group: "storage.k8s.io", Version: "v1"}
)

// resources is the table of everything served, in discovery order.
var resources = []Resource{
	{GroupVersionResource: core.WithResource("namespaces"), Kind: "Namespace", ShortNames: []string{"ns"},
		Subresources: []string{"status", "finalize"}, Strategy: namespaceStrategy{}},
	{GroupVersionResource: core.WithResource("pods"), Kind: "Pod", Namespaced: true, ShortNames: []string{"po"},
		Categories: []string{"all"}, Subresources: []string{"status", "binding", "eviction", "log", "portforward", "proxy"}, Strategy: podStrategy{}},
	{GroupVersionResource: core.WithResource("nodes"), Kind: "Node", ShortNames: []string{"no"},
		Subresources: []string{"status"}, Strategy: nodeStrategy{}},
	{GroupVersionResource: core.WithResource("services"), Kind: "Service", Namespaced: true, ShortNames: []string{"svc"},
		Categories: []string{"all"}, Subresources: []string{"status", "proxy"}, Strategy: serviceStrategy{}},
	{GroupVersionResource: core.WithResource("endpoints"), Kind: "Endpoints", Namespaced: true, ShortNames: []string{"ep"},
		Strategy: plainStrategy{}},
	{GroupVersionResource: discovery.WithResource("endpointslices"), Kind: "EndpointSlice", Namespaced: true,
		Strategy: plainStrategy{}},
	{GroupVersionResource: core.WithResource("events"), Kind: "Event", Namespaced: true, ShortNames: []string{"ev"},
		Strategy: eventStrategy{}},
	{GroupVersionResource: core.WithResource("configmaps"), Kind: "ConfigMap", Namespaced: true, ShortNames: []string{"cm"},
		Strategy: configMapStrategy{}},
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
	{GroupVersionResource: apps.WithResource("daemonsets"), Kind: "DaemonSet", Namespaced: true, ShortNames: []string{"ds"},
		Categories: []string{"all"}, Subresources: []string{"status"}, Strategy: daemonSetStrategy{}},
	{GroupVersionResource: apps.WithResource("statefulsets"), Kind: "StatefulSet", Namespaced: true, ShortNames: []string{"sts"},
		Categories: []string{"all"}, Subresources: []string{"status", "scale"}, Strategy: statefulSetStrategy{}},
	{GroupVersionResource: batch.WithResource("jobs"), Kind: "Job", Namespaced: true,
		Categories: []string{"all"}, Subresources: []string{"status"}, Strategy: jobStrategy{}},
	{GroupVersionResource: batch.WithResource("cronjobs"), Kind: "CronJob", Namespaced: true, ShortNames: []string{"cj"},
		Categories: []string{"all"}, Subresources: []string{"status"}, Strategy: cronJobStrategy{}},

	// Stored and served so that everyday manifests apply, but acted on by
	// nothing in the kit (the README says so) beyond the API server's
	// quota admission of pods: no limit defaults, no ingress or network-policy routing, no autoscaler, no
	// volume provisioner. (PodDisruptionBudgets are among them but are acted
	// on: the disruption controller keeps their status, and pods/eviction
	// honours it.) Replication
	// controllers, ReplicaSets' forerunners, are here so that kubectl's
	// cluster-info dump and apply --prune, which list them, work.
	{GroupVersionResource: core.WithResource("replicationcontrollers"), Kind: "ReplicationController", Namespaced: true, ShortNames: []string{"rc"},
		Categories: []string{"all"}, Subresources: []string{"status"}, Strategy: plainStrategy{}},
	{GroupVersionResource: core.WithResource("persistentvolumes"), Kind: "PersistentVolume", ShortNames: []string{"pv"},
		Subresources: []string{"status"}, Strategy: plainStrategy{}},
	{GroupVersionResource: core.WithResource("persistentvolumeclaims"), Kind: "PersistentVolumeClaim", Namespaced: true, ShortNames: []string{"pvc"},
		Subresources: []string{"status"}, Strategy: plainStrategy{}},
	{GroupVersionResource: core.WithResource("resourcequotas"), Kind: "ResourceQuota", Namespaced: true, ShortNames: []string{"quota"},
		Subresources: []string{"status"}, Strategy: plainStrategy{}},
	{GroupVersionResource: core.WithResource("limitranges"), Kind: "LimitRange", Namespaced: true, ShortNames: []string{"limits"},
		Strategy: plainStrategy{}},
	{GroupVersionResource: networking.WithResource("ingresses"), Kind: "Ingress", Namespaced: true, ShortNames: []string{"ing"},
		Subresources: []string{"status"}, Strategy: plainStrategy{}},
	{GroupVersionResource: networking.WithResource("ingressclasses"), Kind: "IngressClass",
		Strategy: plainStrategy{}},
	{GroupVersionResource: networking.WithResource("networkpolicies"), Kind: "NetworkPolicy", Namespaced: true, ShortNames: []string{"netpol"},
		Strategy: plainStrategy{}},
	{GroupVersionResource: policy.WithResource("poddisruptionbudgets"), Kind: "PodDisruptionBudget", Namespaced: true, ShortNames: []string{"pdb"},
		Subresources: []string{"status"}, Strategy: plainStrategy{}},
	{GroupVersionResource: autoscaling.WithResource("horizontalpodautoscalers"), Kind: "HorizontalPodAutoscaler", Namespaced: true, ShortNames: []string{"hpa"},
		Categories: []string{"all"}, Subresources: []string{"status"}, Strategy: plainStrategy{}},
	{GroupVersionResource: storage.WithResource("storageclasses"), Kind: "StorageClass", ShortNames: []string{"sc"},
		Strategy: plainStrategy{}},
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
