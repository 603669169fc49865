// Package pki is the certificate authority of an ownkube cluster, made by
// `ownkube up` as kubeadm and kind make theirs: one CA, the API server's
// serving certificate, and a client certificate for every user of the API
// (the admin, each control-plane component, each kubelet), whose subject
// is the identity the API server authenticates — the common name the user,
// the organizations its groups.
//
// The cluster launcher (components/cluster) calls NewCA once per cluster
// and keeps it with WriteCA in the cluster's directory; AddNode reads it
// back with LoadCA to issue a joining kubelet's certificate. Keys are ECDSA
// P-256, written readable by their owner only.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	certutil "k8s.io/client-go/util/cert"
	"k8s.io/client-go/util/keyutil"
)

// The identities of the cluster's users, as Kubernetes names them.
const (
	// AdminUser in MastersGroup is the admin of `ownkube up`'s kubeconfig,
	// as kubeadm's admin.conf.
	AdminUser    = "kubernetes-admin"
	MastersGroup = "system:masters"
	// NodesGroup holds every kubelet, each the user NodeUser(name).
	NodesGroup            = "system:nodes"
	SchedulerUser         = "system:kube-scheduler"
	ControllerManagerUser = "system:kube-controller-manager"
	ProxyUser             = "system:kube-proxy"
	// DNSUser is the cluster DNS's; kube's CoreDNS authenticates with a
	// ServiceAccount token, which ownkube has not yet.
	DNSUser = "system:ownkube-dns"
)

// NodeUser is the user of the kubelet of node name: system:node:<name>.
func NodeUser(name string) string { return "system:node:" + name }

// Validity of what the CA signs. kubeadm gives its CA ten years and its
// leaf certificates one; a learner's cluster lives hours.
const (
	caValidity   = 10 * 365 * 24 * time.Hour
	leafValidity = 365 * 24 * time.Hour
	// backdate covers clocks a little behind the host's (Docker Desktop's VM).
	backdate = 5 * time.Minute
)

// Files of the CA in its directory.
const (
	CACertFile = "ca.crt"
	CAKeyFile  = "ca.key"
)

// CA signs the cluster's certificates.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// KeyPair is a signed certificate and its private key, PEM-encoded.
type KeyPair struct {
	Cert, Key []byte
}

// NewCA makes a self-signed CA called commonName.
func NewCA(commonName string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: generate the CA's key: %w", err)
	}
	cert, err := certutil.NewSelfSignedCACert(certutil.Config{CommonName: commonName, NotBefore: time.Now().Add(-backdate)}, key)
	if err != nil {
		return nil, fmt.Errorf("pki: sign the CA: %w", err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// CertPEM is the CA's certificate, PEM-encoded: what a client trusts.
func (ca *CA) CertPEM() []byte {
	data, _ := certutil.EncodeCertificates(ca.Cert) // encoding a parsed certificate cannot fail
	return data
}

// WriteCA writes the CA to dir: ca.crt readable by all, ca.key by its
// owner only.
func WriteCA(dir string, ca *CA) error {
	key, err := keyutil.MarshalPrivateKeyToPEM(ca.Key)
	if err != nil {
		return fmt.Errorf("pki: encode the CA's key: %w", err)
	}
	return WriteKeyPair(dir, "ca", KeyPair{Cert: ca.CertPEM(), Key: key})
}

// LoadCA reads the CA WriteCA wrote to dir.
func LoadCA(dir string) (*CA, error) {
	certs, err := certutil.CertsFromFile(filepath.Join(dir, CACertFile))
	if err != nil {
		return nil, fmt.Errorf("pki: read the CA: %w", err)
	}
	key, err := keyutil.PrivateKeyFromFile(filepath.Join(dir, CAKeyFile))
	if err != nil {
		return nil, fmt.Errorf("pki: read the CA's key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("pki: the CA's key in %s cannot sign", dir)
	}
	return &CA{Cert: certs[0], Key: signer}, nil
}

// WriteKeyPair writes kp to dir as <name>.crt (mode 0644) and <name>.key
// (0600), creating dir (0700).
func WriteKeyPair(dir, name string, kp KeyPair) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".crt"), kp.Cert, 0o644); err != nil {
		return fmt.Errorf("pki: write %s.crt: %w", name, err)
	}
	// WriteFile keeps the mode of a file that exists: set it.
	keyPath := filepath.Join(dir, name+".key")
	if err := os.WriteFile(keyPath, kp.Key, 0o600); err != nil {
		return fmt.Errorf("pki: write %s.key: %w", name, err)
	}
	if err := os.Chmod(keyPath, 0o600); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	return nil
}

// ServingCert issues a server certificate for the DNS names and IPs.
func (ca *CA) ServingCert(commonName string, dnsNames []string, ips []net.IP) (KeyPair, error) {
	if len(dnsNames) == 0 && len(ips) == 0 {
		return KeyPair{}, errors.New("pki: a serving certificate needs a DNS name or an IP")
	}
	return ca.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: commonName},
		DNSNames:    dnsNames,
		IPAddresses: ips,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
}

// ClientCert issues a client certificate for user in groups: CN=user,
// O=groups, as Kubernetes' x509 authenticator reads them.
func (ca *CA) ClientCert(user string, groups ...string) (KeyPair, error) {
	if user == "" {
		return KeyPair{}, errors.New("pki: a client certificate needs a user")
	}
	return ca.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: user, Organization: groups},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
}

// issue signs template with a new key.
func (ca *CA) issue(template *x509.Certificate) (KeyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: generate a key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: serial number: %w", err)
	}
	now := time.Now()
	template.SerialNumber = serial
	template.NotBefore = now.Add(-backdate)
	template.NotAfter = now.Add(leafValidity)
	template.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, template, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: sign %q: %w", template.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: %w", err)
	}
	certPEM, err := certutil.EncodeCertificates(cert)
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: %w", err)
	}
	keyPEM, err := keyutil.MarshalPrivateKeyToPEM(key)
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: %w", err)
	}
	return KeyPair{Cert: certPEM, Key: keyPEM}, nil
}

// APIServerNames are the DNS names the API server's certificate holds: its
// container's alias on the cluster network, localhost, and the names of
// the `kubernetes` Service in domain, as kubeadm's.
func APIServerNames(alias, domain string) []string {
	return []string{alias, "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc." + domain, "localhost"}
}
