package apiserver

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/api"
)

// Discovery tells clients what the server serves: kubectl reads it to map
// "pods" or "deploy" to a path, and `kubectl api-resources` prints it. The
// server offers the plain (unaggregated) documents, which every client
// falls back to when it asks for the aggregated form first.

func (s *Server) serveCoreVersions(w http.ResponseWriter, r *http.Request) {
	writeObject(w, http.StatusOK, &metav1.APIVersions{
		Versions:                   []string{"v1"},
		ServerAddressByClientCIDRs: serverAddresses(r),
	})
}

func (s *Server) serveGroups(w http.ResponseWriter, r *http.Request) {
	list := &metav1.APIGroupList{}
	for _, gv := range api.GroupVersions() {
		if gv.Group != "" {
			list.Groups = append(list.Groups, apiGroup(gv, r))
		}
	}
	list.Groups = append(list.Groups, apiGroup(authenticationGV, r))
	slices.SortStableFunc(list.Groups, func(a, b metav1.APIGroup) int { return strings.Compare(a.Name, b.Name) })
	writeObject(w, http.StatusOK, list)
}

// serveDiscovery answers /api/v1, /apis/<group> and /apis/<group>/<version>;
// it reports false for any other path, a resource path.
func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request) bool {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "api":
		return s.serveResourceList(w, schema.GroupVersion{Version: parts[1]})
	case len(parts) == 2 && parts[0] == "apis":
		for _, gv := range api.GroupVersions() {
			if gv.Group == parts[1] {
				writeObject(w, http.StatusOK, ptr.To(apiGroup(gv, r)))
				return true
			}
		}
		writeError(w, notFoundPath(r.URL.Path))
		return true
	case len(parts) == 3 && parts[0] == "apis":
		return s.serveResourceList(w, schema.GroupVersion{Group: parts[1], Version: parts[2]})
	}
	return false
}

func (s *Server) serveResourceList(w http.ResponseWriter, gv schema.GroupVersion) bool {
	list := &metav1.APIResourceList{GroupVersion: gv.String()}
	for _, r := range api.Resources() {
		if r.GroupVersion() == gv {
			list.APIResources = append(list.APIResources, apiResources(r)...)
		}
	}
	if len(list.APIResources) == 0 {
		writeError(w, notFoundPath("/"+gv.String()))
		return true
	}
	writeObject(w, http.StatusOK, list)
	return true
}

// apiResources describes a resource and each of its subresources.
func apiResources(r api.Resource) []metav1.APIResource {
	out := []metav1.APIResource{{
		Name: r.Resource, SingularName: r.Singular, Namespaced: r.Namespaced, Kind: r.Kind,
		Verbs: r.Verbs(), ShortNames: r.ShortNames, Categories: r.Categories,
	}}
	for _, sub := range r.Subresources {
		res := metav1.APIResource{Name: r.Resource + "/" + sub, Namespaced: r.Namespaced, Kind: r.Kind}
		switch sub {
		case "status":
			res.Verbs = []string{"get", "patch", "update"}
		case "scale":
			res.Group, res.Version, res.Kind = "autoscaling", "v1", "Scale"
			res.Verbs = []string{"get", "patch", "update"}
		case "binding":
			res.Kind, res.Verbs = "Binding", []string{"create"}
		case "eviction":
			// kubectl drain evicts only when discovery names the
			// group and version of the Eviction it is to send.
			res.Group, res.Version, res.Kind = "policy", "v1", "Eviction"
			res.Verbs = []string{"create"}
		case "log":
			res.Verbs = []string{"get"}
		case "portforward":
			res.Kind, res.Verbs = "PodPortForwardOptions", []string{"create", "get"}
		case "finalize":
			res.Verbs = []string{"update"}
		}
		out = append(out, res)
	}
	return out
}

func apiGroup(gv schema.GroupVersion, r *http.Request) metav1.APIGroup {
	v := metav1.GroupVersionForDiscovery{GroupVersion: gv.String(), Version: gv.Version}
	return metav1.APIGroup{Name: gv.Group, Versions: []metav1.GroupVersionForDiscovery{v}, PreferredVersion: v,
		ServerAddressByClientCIDRs: serverAddresses(r)}
}

func serverAddresses(r *http.Request) []metav1.ServerAddressByClientCIDR {
	return []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: r.Host}}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
