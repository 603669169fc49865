package apiserver

import (
	"context"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/version"
)

// Version is what /version reports: the Kubernetes API this server speaks,
// which is that of the k8s.io/api it is built with.
var Version = version.Info{
	Major:      "1",
	Minor:      "37",
	GitVersion: "v1.37.2-ownkube",
	Platform:   "linux/amd64",
}

func (s *Server) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", s.serveHealth)
	mux.HandleFunc("/livez", s.serveHealth)
	mux.HandleFunc("/readyz", s.serveReady)
	mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, Version) })
	mux.HandleFunc("/api", s.serveCoreVersions)
	mux.HandleFunc("/apis", s.serveGroups)
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/apis/", s.serveAPI)
	openapi, err := openAPIHandler()
	if err != nil {
		return nil, err
	}
	mux.Handle("/openapi/", openapi)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { writeError(w, notFoundPath(r.URL.Path)) })
	return mux, nil
}

// serveAPI answers discovery of one group version, or a resource request.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if s.serveDiscovery(w, r) {
		return
	}
	s.serveResource(w, r)
}

func (s *Server) serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte("ok"))
}

// serveReady answers 200 once the server is bootstrapped and etcd answers.
func (s *Server) serveReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if !s.ready.Load() {
		http.Error(w, "not ready: bootstrapping", http.StatusServiceUnavailable)
		return
	}
	if _, err := s.store.CurrentRevision(ctx); err != nil {
		http.Error(w, "not ready: etcd does not answer: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	s.serveHealth(w, r)
}

func isTrue(v string) bool { return v == "true" || v == "1" }
