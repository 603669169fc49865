package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/version"
	endpointsmetrics "k8s.io/apiserver/pkg/endpoints/metrics"
	"k8s.io/apiserver/pkg/server/healthz"
	"k8s.io/component-base/metrics/legacyregistry"

	"github.com/ownkube/ownkube/components/health"
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
	// kube-apiserver's own health endpoints (k8s.io/apiserver's healthz):
	// named checks, /readyz/<check>, ?verbose and ?exclude=<check>.
	healthz.InstallHandler(mux, healthz.PingHealthz, s.etcdCheck())
	healthz.InstallLivezHandler(mux, healthz.PingHealthz)
	healthz.InstallReadyzHandler(mux, healthz.PingHealthz, s.etcdCheck(), s.bootstrapCheck())
	// kube-apiserver's metrics, in the Prometheus text format.
	endpointsmetrics.Register()
	mux.Handle("/metrics", legacyregistry.Handler())
	mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, Version) })
	mux.HandleFunc("/api", s.serveCoreVersions)
	mux.HandleFunc("/apis", s.serveGroups)
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/apis/", s.serveAPI)
	mux.HandleFunc("/apis/"+authenticationGV.Group+"/", s.serveAuthentication)
	openapi, err := openAPIHandler()
	if err != nil {
		return nil, err
	}
	mux.Handle("/openapi/", openapi)
	if s.cfg.Profiling {
		health.MountProfiling(mux)
	}
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

// etcdCheck is the readiness of the store: etcd answers within 2 s.
func (s *Server) etcdCheck() healthz.HealthChecker {
	return healthz.NamedCheck("etcd", func(r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if _, err := s.store.CurrentRevision(ctx); err != nil {
			return fmt.Errorf("etcd does not answer: %w", err)
		}
		return nil
	})
}

// bootstrapCheck passes once the system namespaces exist (kube names its
// counterpart poststarthook/start-system-namespaces-controller).
func (s *Server) bootstrapCheck() healthz.HealthChecker {
	return healthz.NamedCheck("poststarthook/start-system-namespaces-controller", func(*http.Request) error {
		if !s.ready.Load() {
			return errors.New("bootstrapping")
		}
		return nil
	})
}

func isTrue(v string) bool { return v == "true" || v == "1" }
