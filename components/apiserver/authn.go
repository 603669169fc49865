package apiserver

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/group"
	"k8s.io/apiserver/pkg/authentication/request/anonymous"
	"k8s.io/apiserver/pkg/authentication/request/union"
	x509request "k8s.io/apiserver/pkg/authentication/request/x509"
	genericrequest "k8s.io/apiserver/pkg/endpoints/request"
	certutil "k8s.io/client-go/util/cert"
)

// Authentication, as kube-apiserver's: a client certificate signed by the
// client CA (Config.ClientCAFile) names the user (its common name) and its
// groups (its organizations), read by k8s.io/apiserver's own x509
// authenticator, and every authenticated user is also in
// system:authenticated. A request without valid credentials is answered
// 401 Unauthorized, except on the paths kube's system:public-info-viewer
// opens to everyone — health and version — which anonymous may read.
// Nothing is authorized yet: an authenticated user may do anything.

// publicInfo tells whether anonymous may read path: /healthz, /livez,
// /readyz and their named checks, and /version.
func publicInfo(path string) bool {
	for _, p := range []string{"/healthz", "/livez", "/readyz"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return path == "/version" || path == "/version/"
}

// publicAnonymous is kube's anonymous authenticator, limited to the public
// paths.
type publicAnonymous struct{ anonymous authenticator.Request }

func (p publicAnonymous) AuthenticateRequest(r *http.Request) (*authenticator.Response, bool, error) {
	if !publicInfo(r.URL.Path) {
		return nil, false, nil
	}
	return p.anonymous.AuthenticateRequest(r)
}

// newAuthenticator authenticates client certificates signed by clientCAs,
// else anonymous on the public paths.
func newAuthenticator(clientCAs *x509.CertPool) authenticator.Request {
	opts := x509request.DefaultVerifyOptions()
	opts.Roots = clientCAs
	return group.NewAuthenticatedGroupAdder(union.New(
		x509request.New(opts, x509request.CommonNameUserConversion),
		publicAnonymous{anonymous.NewAuthenticator(nil)},
	))
}

// authenticate puts the request's user on its context (request.WithUser),
// or answers 401 if it has none.
func (s *Server) authenticate(auth authenticator.Request, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp, ok, err := auth.AuthenticateRequest(r)
		if err != nil || !ok {
			if err != nil && s.cfg.LogRequests {
				s.log.Info("unauthenticated request", "uri", r.RequestURI, "err", err)
			}
			writeError(w, apierrors.NewUnauthorized("Unauthorized"))
			return
		}
		next.ServeHTTP(w, r.WithContext(genericrequest.WithUser(r.Context(), resp.User)))
	})
}

// secure loads what Config names for TLS and authentication: the serving
// key pair and the client CA. Without a client CA, nothing is authenticated.
func (s *Server) secure(next http.Handler) (http.Handler, error) {
	cfg := s.cfg
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return nil, fmt.Errorf("apiserver: give both --tls-cert-file and --tls-private-key-file, or neither")
	}
	if cfg.ClientCAFile != "" && cfg.TLSCertFile == "" {
		return nil, fmt.Errorf("apiserver: --client-ca-file needs TLS: give --tls-cert-file and --tls-private-key-file too")
	}
	if cfg.TLSCertFile == "" {
		return next, nil
	}
	pair, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("apiserver: load the serving certificate: %w", err)
	}
	// Client certificates are asked for, not required: the authenticator
	// verifies them, and the public paths take requests without one.
	s.tls = &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12}
	if cfg.ClientCAFile == "" {
		return next, nil
	}
	pool, err := certutil.NewPool(cfg.ClientCAFile)
	if err != nil {
		return nil, fmt.Errorf("apiserver: load the client CA: %w", err)
	}
	return s.authenticate(newAuthenticator(pool), next), nil
}

// TLSConfig is the server's TLS configuration, nil if it serves plain
// HTTP; tests that serve Handler themselves (httptest) give it their server.
func (s *Server) TLSConfig() *tls.Config {
	if s.tls == nil {
		return nil
	}
	return s.tls.Clone()
}
