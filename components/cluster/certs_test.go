package cluster

import (
	"crypto/x509"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

// read is the content of a file bound for a container.
func read(t *testing.T, f io.Reader) []byte {
	t.Helper()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestCredentialsOfEachContainer(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	cfg, _ := Config{Name: "c"}.withDefaults()
	if err := makeCA("c"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(os.Getenv("HOME"), ".ownkube", "c", "pki", "ca.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the CA's key: %v, %v", st, err)
	}

	files, err := componentFiles(cfg, planFor(100), APIServer)
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string][]byte{}
	for _, f := range files {
		byPath[f.ContainerFilePath] = read(t, f.Reader)
	}
	block, _ := pem.Decode(byPath["/etc/ownkube/pki/apiserver.crt"])
	if block == nil {
		t.Fatalf("no serving certificate among %v", files)
	}
	serving, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := loadCA("c")
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	for _, name := range []string{"apiserver", "kubernetes.default.svc.cluster.local", "localhost", "127.0.0.1", "10.100.128.1"} {
		if _, err := serving.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("the API server's certificate does not serve %s: %v", name, err)
		}
	}

	for comp, want := range map[string]string{Scheduler: "system:kube-scheduler", ControllerManager: "system:kube-controller-manager", DNS: "system:ownkube-dns"} {
		files, err := componentFiles(cfg, planFor(100), comp)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 1 || files[0].ContainerFilePath != containerKubeconfig || files[0].FileMode != 0o600 {
			t.Fatalf("%s: files %+v", comp, files)
		}
		expectUser(t, read(t, files[0].Reader), want)
	}
	node, err := nodeFiles(cfg, "c-node-1")
	if err != nil {
		t.Fatal(err)
	}
	expectUser(t, read(t, node[0].Reader), "system:node:c-node-1")
	expectUser(t, read(t, node[1].Reader), "system:kube-proxy")
}

// expectUser checks a kubeconfig reaches the API server on the network
// over TLS as user.
func expectUser(t *testing.T, kubeconfig []byte, user string) {
	t.Helper()
	rc, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Host != "https://apiserver:6443" || len(rc.CAData) == 0 {
		t.Errorf("%s: host %q, CA %d bytes", user, rc.Host, len(rc.CAData))
	}
	block, _ := pem.Decode(rc.CertData)
	if block == nil {
		t.Fatalf("%s: no client certificate", user)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != user {
		t.Errorf("client certificate of %s, want %s", cert.Subject.CommonName, user)
	}
}
