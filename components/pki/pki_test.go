package pki

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func newCA(t *testing.T) *CA {
	t.Helper()
	ca, err := NewCA("ownkube-test-ca")
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// parse checks kp is a matching certificate and key and returns the
// certificate.
func parse(t *testing.T, kp KeyPair) *x509.Certificate {
	t.Helper()
	pair, err := tls.X509KeyPair(kp.Cert, kp.Key)
	if err != nil {
		t.Fatalf("certificate and key do not match: %v", err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func verify(cert *x509.Certificate, ca *CA, usage x509.ExtKeyUsage, dnsName string) error {
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	_, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{usage}, DNSName: dnsName})
	return err
}

func TestClientCertCarriesUserAndGroups(t *testing.T) {
	ca := newCA(t)
	for _, tc := range []struct {
		user   string
		groups []string
	}{
		{AdminUser, []string{MastersGroup}},
		{NodeUser("demo-node-1"), []string{NodesGroup}},
		{SchedulerUser, nil},
		{ControllerManagerUser, nil},
		{ProxyUser, nil},
		{DNSUser, nil},
	} {
		kp, err := ca.ClientCert(tc.user, tc.groups...)
		if err != nil {
			t.Fatal(err)
		}
		cert := parse(t, kp)
		if cert.Subject.CommonName != tc.user || !slices.Equal(cert.Subject.Organization, tc.groups) {
			t.Errorf("subject %v, want CN=%s O=%v", cert.Subject, tc.user, tc.groups)
		}
		if err := verify(cert, ca, x509.ExtKeyUsageClientAuth, ""); err != nil {
			t.Errorf("%s: does not verify against the CA as a client: %v", tc.user, err)
		}
		if verify(cert, ca, x509.ExtKeyUsageServerAuth, "") == nil {
			t.Errorf("%s: a client certificate must not serve", tc.user)
		}
	}
	if NodeUser("n1") != "system:node:n1" {
		t.Errorf("NodeUser(n1) = %q", NodeUser("n1"))
	}
}

func TestServingCertHoldsTheAPIServersNames(t *testing.T) {
	ca := newCA(t)
	names := APIServerNames("apiserver", "cluster.local")
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.100.128.1")}
	kp, err := ca.ServingCert("kube-apiserver", names, ips)
	if err != nil {
		t.Fatal(err)
	}
	cert := parse(t, kp)
	for _, n := range []string{"apiserver", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc.cluster.local", "localhost", "127.0.0.1", "10.100.128.1"} {
		if err := verify(cert, ca, x509.ExtKeyUsageServerAuth, n); err != nil {
			t.Errorf("does not serve %s: %v", n, err)
		}
	}
	if verify(cert, ca, x509.ExtKeyUsageServerAuth, "example.com") == nil {
		t.Error("serves example.com, which it was not issued for")
	}
	if err := verify(cert, newCA(t), x509.ExtKeyUsageServerAuth, "apiserver"); err == nil {
		t.Error("verifies against a stranger CA")
	}
	if _, err := ca.ServingCert("x", nil, nil); err == nil {
		t.Error("a serving certificate with no name was issued")
	}
}

func TestWriteLoadCAAndKeyModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	ca := newCA(t)
	if err := WriteCA(dir, ca); err != nil {
		t.Fatal(err)
	}
	kp, err := ca.ClientCert(AdminUser, MastersGroup)
	if err != nil {
		t.Fatal(err)
	}
	// A key written over an existing, wider file still ends up 0600.
	if err := os.WriteFile(filepath.Join(dir, "admin.key"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteKeyPair(dir, "admin", kp); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{".": 0o700, CAKeyFile: 0o600, "admin.key": 0o600, CACertFile: 0o644, "admin.crt": 0o644} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", name, st.Mode().Perm(), want)
		}
	}
	loaded, err := LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.Cert.Equal(ca.Cert) {
		t.Error("LoadCA read another certificate")
	}
	node, err := loaded.ClientCert(NodeUser("n2"), NodesGroup)
	if err != nil {
		t.Fatal(err)
	}
	if err := verify(parse(t, node), ca, x509.ExtKeyUsageClientAuth, ""); err != nil {
		t.Errorf("a certificate of the loaded CA does not verify against the original: %v", err)
	}
	if !ca.Cert.IsCA {
		t.Error("the CA's certificate is not a CA's")
	}
}
