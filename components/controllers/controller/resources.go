package controller

import (
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// Resource is one resource the API server serves, as discovery tells it.
type Resource struct {
	schema.GroupVersionResource
	Kind       string
	Namespaced bool
	Verbs      []string
}

// Can reports whether every verb is served on the resource.
func (r Resource) Can(verbs ...string) bool {
	for _, v := range verbs {
		if !slices.Contains(r.Verbs, v) {
			return false
		}
	}
	return true
}

// Discover lists the resources the server serves (no subresources), each
// in its preferred version, as the garbage collector and the namespace
// controller of Kubernetes find what to act on.
func Discover(client discovery.DiscoveryInterface) ([]Resource, error) {
	lists, err := client.ServerPreferredResources()
	if err != nil {
		return nil, fmt.Errorf("discover the served resources: %w", err)
	}
	var out []Resource
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			return nil, fmt.Errorf("discovery names group version %q: %w", list.GroupVersion, err)
		}
		for _, r := range list.APIResources {
			if isSubresource(r) {
				continue
			}
			out = append(out, Resource{GroupVersionResource: gv.WithResource(r.Name), Kind: r.Kind,
				Namespaced: r.Namespaced, Verbs: r.Verbs})
		}
	}
	return out, nil
}

func isSubresource(r metav1.APIResource) bool { return strings.Contains(r.Name, "/") }
