package openapi

import (
	"bytes"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/handler3"
	"k8s.io/kube-openapi/pkg/spec3"

	"github.com/ownkube/ownkube/components/api"
)

const v3Prefix = "/openapi/v3"

// document is one served JSON document and the hash that names its version.
type document struct {
	body []byte
	hash string
}

func newDocument(v any) (document, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return document{}, err
	}
	// kube-apiserver's hash: SHA-512 of the JSON, in upper-case hex.
	return document{body: body, hash: fmt.Sprintf("%X", sha512.Sum512(body))}, nil
}

type handler struct {
	index document
	// docs holds each group version's document by its index key: api/v1,
	// apis/apps/v1.
	docs map[string]document
	// v2 is /openapi/v2, the one Swagger 2.0 document of every schema.
	v2 v2Documents
	// built is the Last-Modified of every document: they never change
	// while the server runs.
	built time.Time
}

// NewHandler builds the OpenAPI v3 documents of the given resources, once,
// and returns the handler serving them under /openapi/v3.
func NewHandler(resources []api.Resource) (http.Handler, error) {
	if len(resources) == 0 {
		return nil, errors.New("openapi: no resources to describe")
	}
	h := &handler{docs: map[string]document{}, built: time.Now()}
	index := handler3.OpenAPIV3Discovery{Paths: map[string]handler3.OpenAPIV3DiscoveryGroupVersion{}}
	var built []*spec3.OpenAPI
	for _, gv := range groupVersions(resources) {
		doc, err := buildDocument(gv, resources)
		if err != nil {
			return nil, fmt.Errorf("openapi: build document of %s: %w", gv, err)
		}
		built = append(built, doc)
		d, err := newDocument(doc)
		if err != nil {
			return nil, fmt.Errorf("openapi: encode document of %s: %w", gv, err)
		}
		key := indexKey(gv)
		h.docs[key] = d
		index.Paths[key] = handler3.OpenAPIV3DiscoveryGroupVersion{ServerRelativeURL: serverRelativeURL(key, d.hash)}
	}
	var err error
	if h.index, err = newDocument(index); err != nil {
		return nil, fmt.Errorf("openapi: encode index: %w", err)
	}
	if h.v2, err = buildV2(built); err != nil {
		return nil, fmt.Errorf("openapi: /openapi/v2: %w", err)
	}
	return h, nil
}

// groupVersions lists the resources' group versions, each once.
func groupVersions(resources []api.Resource) []schema.GroupVersion {
	seen := map[schema.GroupVersion]bool{}
	var gvs []schema.GroupVersion
	for _, r := range resources {
		if gv := r.GroupVersion(); !seen[gv] {
			seen[gv] = true
			gvs = append(gvs, gv)
		}
	}
	return gvs
}

// indexKey is a group version's key in the index, its API path without the
// leading slash, which is what client-go looks up.
func indexKey(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "api/" + gv.Version
	}
	return "apis/" + gv.Group + "/" + gv.Version
}

func serverRelativeURL(key, hash string) string {
	u := url.URL{Path: v3Prefix + "/" + key, RawQuery: url.Values{"hash": {hash}}.Encode()}
	return u.String()
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeStatus(w, apierrors.NewMethodNotSupported(schema.GroupResource{Resource: "openapi"}, r.Method))
		return
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	if path == v3Prefix {
		h.serve(w, r, h.index)
		return
	}
	if path == v2Path {
		h.serveV2(w, r)
		return
	}
	key, ok := strings.CutPrefix(path, v3Prefix+"/")
	doc, found := h.docs[key]
	if !ok || !found {
		writeStatus(w, apierrors.NewNotFound(schema.GroupResource{Resource: "openapi"}, strings.TrimPrefix(r.URL.Path, "/")))
		return
	}
	h.serveVersioned(w, r, key, doc)
}

// serveVersioned serves a group version's document. A URL with the current
// hash names content that never changes, so clients may cache it for good;
// a stale hash is redirected to the current one, as kube-apiserver does.
// Only JSON is served: client-go asks for it, and protobuf is not offered.
func (h *handler) serveVersioned(w http.ResponseWriter, r *http.Request, key string, doc document) {
	if hash := r.URL.Query().Get("hash"); hash != "" {
		if hash != doc.hash {
			http.Redirect(w, r, serverRelativeURL(key, doc.hash), http.StatusMovedPermanently)
			return
		}
		w.Header().Set("Cache-Control", "public, immutable")
		w.Header().Set("Expires", time.Now().AddDate(1, 0, 0).UTC().Format(http.TimeFormat))
	}
	h.serve(w, r, doc)
}

// serve answers with doc, or 304 when the client's ETag is current.
func (h *handler) serve(w http.ResponseWriter, r *http.Request, doc document) {
	h.serveAs(w, r, doc, "application/json")
}

func (h *handler) serveAs(w http.ResponseWriter, r *http.Request, doc document, contentType string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Etag", strconv.Quote(doc.hash))
	http.ServeContent(w, r, "", h.built, bytes.NewReader(doc.body))
}

// writeStatus answers with err as a metav1.Status, Kubernetes' error body.
func writeStatus(w http.ResponseWriter, err apierrors.APIStatus) {
	status := err.Status()
	status.Kind, status.APIVersion = "Status", "v1"
	body, encErr := json.Marshal(status)
	if encErr != nil {
		http.Error(w, encErr.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(status.Code))
	_, _ = w.Write(body)
}
