package main

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/ownkube/ownkube/components/pki"
)

func TestAPIClientAuthenticatesWithTheFilesGiven(t *testing.T) {
	ca, err := pki.NewCA("test")
	if err != nil {
		t.Fatal(err)
	}
	serving, err := ca.ServingCert("api", nil, []net.IP{net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(serving.Cert, serving.Key)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.TLS.PeerCertificates[0].Subject.CommonName))
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: roots}
	srv.StartTLS()
	defer srv.Close()

	dir := t.TempDir()
	client, err := ca.ClientCert(pki.ProxyUser)
	if err != nil {
		t.Fatal(err)
	}
	if err := pki.WriteCA(dir, ca); err != nil {
		t.Fatal(err)
	}
	if err := pki.WriteKeyPair(dir, "client", client); err != nil {
		t.Fatal(err)
	}
	cfg := config{caFile: filepath.Join(dir, "ca.crt"), certFile: filepath.Join(dir, "client.crt"), keyFile: filepath.Join(dir, "client.key")}
	c, err := apiClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("GET with the files: %v", err)
	}
	resp.Body.Close()

	if _, err := apiClient(config{caFile: filepath.Join(dir, "client.key")}); err == nil {
		t.Error("a -ca-file of no certificate was taken")
	}
	if err := os.Remove(cfg.keyFile); err != nil {
		t.Fatal(err)
	}
	if _, err := apiClient(cfg); err == nil {
		t.Error("a missing -key-file was taken")
	}
}
