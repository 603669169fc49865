package openapi

import (
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/openapi3"
	"k8s.io/client-go/rest"
	"k8s.io/kube-openapi/pkg/handler3"
	"k8s.io/kube-openapi/pkg/spec3"

	"github.com/ownkube/ownkube/components/api"
)

// newServer serves the handler of every served resource.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	h, err := NewHandler(api.Resources())
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, rawURL string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", rawURL, err)
	}
	return resp, body
}

func index(t *testing.T, srv *httptest.Server) handler3.OpenAPIV3Discovery {
	t.Helper()
	resp, body := get(t, srv.URL+"/openapi/v3")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi/v3: %d %s", resp.StatusCode, body)
	}
	var idx handler3.OpenAPIV3Discovery
	if err := json.Unmarshal(body, &idx); err != nil {
		t.Fatalf("decode index: %v", err)
	}
	return idx
}

func TestIndexNamesEachGroupVersionWithTheHashOfItsDocument(t *testing.T) {
	srv := newServer(t)
	idx := index(t, srv)

	var want []string
	for _, gv := range api.GroupVersions() {
		if gv.Group == "" {
			want = append(want, "api/"+gv.Version)
		} else {
			want = append(want, "apis/"+gv.String())
		}
	}
	if !slices.Contains(want, "apis/apps/v1") {
		t.Fatalf("the served group versions %v lack apps/v1", want)
	}
	if len(idx.Paths) != len(want) {
		t.Errorf("index has %d paths, want %v: %v", len(idx.Paths), want, idx.Paths)
	}
	for _, key := range want {
		entry, ok := idx.Paths[key]
		if !ok {
			t.Errorf("index lacks %s", key)
			continue
		}
		u, err := url.Parse(entry.ServerRelativeURL)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if u.Path != "/openapi/v3/"+key {
			t.Errorf("%s: serverRelativeURL path %s", key, u.Path)
		}
		resp, body := get(t, srv.URL+entry.ServerRelativeURL)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", entry.ServerRelativeURL, resp.StatusCode, body)
		}
		if got := fmt.Sprintf("%X", sha512.Sum512(body)); got != u.Query().Get("hash") {
			t.Errorf("%s: index hash %s, document hashes to %s", key, u.Query().Get("hash"), got)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", key, ct)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "public, immutable" {
			t.Errorf("%s: Cache-Control %q with the current hash, want public, immutable", key, cc)
		}
	}
}

func TestDocumentWithoutHashIsNotImmutable(t *testing.T) {
	srv := newServer(t)
	resp, body := get(t, srv.URL+"/openapi/v3/apis/apps/v1")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "" {
		t.Errorf("Cache-Control %q without a hash, want none", cc)
	}
}

func TestStaleHashIsRedirectedToTheCurrentOne(t *testing.T) {
	srv := newServer(t)
	current := index(t, srv).Paths["api/v1"].ServerRelativeURL

	resp, _ := get(t, srv.URL+"/openapi/v3/api/v1?hash=0123")
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != current {
		t.Errorf("got %d to %q, want 301 to %q", resp.StatusCode, resp.Header.Get("Location"), current)
	}
}

func TestETagAnswersNotModified(t *testing.T) {
	srv := newServer(t)
	resp, _ := get(t, srv.URL+"/openapi/v3/api/v1")
	etag := resp.Header.Get("Etag")
	if etag == "" {
		t.Fatal("no Etag")
	}
	resp, _ = get(t, srv.URL+"/openapi/v3/api/v1", "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the current Etag: %d, want 304", resp.StatusCode)
	}
}

func TestUnknownPathsAreNotFoundStatuses(t *testing.T) {
	srv := newServer(t)
	for _, path := range []string{"/openapi/v2/x", "/openapi/v3/apis/flowcontrol.apiserver.k8s.io/v1", "/openapi/v3/api", "/openapi/v3/api/v1/pods"} {
		resp, body := get(t, srv.URL+path)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		var status metav1.Status
		if err := json.Unmarshal(body, &status); err != nil {
			t.Fatalf("%s: decode %s: %v", path, body, err)
		}
		if status.Kind != "Status" || status.APIVersion != "v1" || status.Status != metav1.StatusFailure ||
			status.Reason != metav1.StatusReasonNotFound || status.Code != http.StatusNotFound || status.Message == "" {
			t.Errorf("%s: body %s is not a NotFound Status", path, body)
		}
	}
}

func TestDocumentsAreBuiltDeterministically(t *testing.T) {
	first, err := NewHandler(api.Resources())
	if err != nil {
		t.Fatal(err)
	}
	second, err := NewHandler(api.Resources())
	if err != nil {
		t.Fatal(err)
	}
	if a, b := first.(*handler).index.body, second.(*handler).index.body; string(a) != string(b) {
		t.Errorf("two builds differ:\n%s\n%s", a, b)
	}
}

// TestClientGoReadsEveryGroupVersion fetches the documents as kubectl
// does: through the discovery client's OpenAPI v3 client and openapi3.Root.
func TestClientGoReadsEveryGroupVersion(t *testing.T) {
	root := openapi3.NewRoot(discovery.NewDiscoveryClientForConfigOrDie(&rest.Config{Host: newServer(t).URL}).OpenAPIV3())

	gvs, err := root.GroupVersions()
	if err != nil {
		t.Fatalf("GroupVersions: %v", err)
	}
	if len(gvs) != len(api.GroupVersions()) {
		t.Errorf("client-go sees %v, want %v", gvs, api.GroupVersions())
	}
	for _, gv := range api.GroupVersions() {
		doc, err := root.GVSpec(gv)
		if err != nil {
			t.Fatalf("GVSpec(%s): %v", gv, err)
		}
		if doc.Paths == nil || len(doc.Paths.Paths) == 0 || doc.Components == nil || len(doc.Components.Schemas) == 0 {
			t.Errorf("%s: document without paths or schemas", gv)
		}
	}
	if _, err := root.GVSpec(schema.GroupVersion{Group: "flowcontrol.apiserver.k8s.io", Version: "v1"}); err == nil {
		t.Error("GVSpec(flowcontrol.apiserver.k8s.io/v1) of an unserved group version succeeded")
	}
}

// pods/portforward is described as kube-apiserver describes it: GET and
// POST connect operations of PodPortForwardOptions taking ports.
func TestPodsPortForwardIsAConnectPath(t *testing.T) {
	root := openapi3.NewRoot(discovery.NewDiscoveryClientForConfigOrDie(&rest.Config{Host: newServer(t).URL}).OpenAPIV3())
	doc, err := root.GVSpec(schema.GroupVersion{Version: "v1"})
	if err != nil {
		t.Fatalf("GVSpec(v1): %v", err)
	}
	path := doc.Paths.Paths["/api/v1/namespaces/{namespace}/pods/{name}/portforward"]
	if path == nil {
		t.Fatal("no path /api/v1/namespaces/{namespace}/pods/{name}/portforward")
	}
	var params []string
	for _, p := range path.Parameters {
		params = append(params, p.In+":"+p.Name)
	}
	if want := []string{"path:name", "path:namespace", "query:ports"}; !slices.Equal(params, want) {
		t.Errorf("parameters %v, want %v", params, want)
	}
	for id, op := range map[string]any{"connectCoreV1GetNamespacedPodPortforward": path.Get, "connectCoreV1PostNamespacedPodPortforward": path.Post} {
		o, _ := op.(*spec3.Operation)
		if o == nil || o.OperationId != id || o.Extensions["x-kubernetes-action"] != "connect" {
			t.Errorf("operation %s: %+v", id, o)
			continue
		}
		if gvk, _ := o.Extensions["x-kubernetes-group-version-kind"].(map[string]any); gvk["kind"] != "PodPortForwardOptions" {
			t.Errorf("operation %s names kind %v, want PodPortForwardOptions", id, gvk)
		}
	}
}
