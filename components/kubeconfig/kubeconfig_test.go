package kubeconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

func TestWriteThenLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "probe", "kubeconfig")
	if err := Write(path, New("probe", "http://127.0.0.1:41234", nil)); err != nil {
		t.Fatal(err)
	}

	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"server: http://127.0.0.1:41234",
		"current-context: ownkube-probe",
		"name: ownkube-probe",
	} {
		if !strings.Contains(string(text), want) {
			t.Errorf("kubeconfig lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(string(text), "token") || strings.Contains(string(text), "client-certificate") {
		t.Errorf("kubeconfig carries credentials:\n%s", text)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}

	loaded, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := loaded.Contexts[loaded.CurrentContext]
	if ctx == nil || ctx.Cluster != "ownkube-probe" || ctx.AuthInfo != "ownkube-probe" {
		t.Fatalf("current context %q = %+v", loaded.CurrentContext, ctx)
	}
	rc, err := RESTConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Host != "http://127.0.0.1:41234" || rc.BearerToken != "" || rc.Username != "" {
		t.Errorf("rest config host %q token %q user %q", rc.Host, rc.BearerToken, rc.Username)
	}
}

func TestRESTConfigMissing(t *testing.T) {
	_, err := RESTConfig(filepath.Join(t.TempDir(), "nope"))
	if err == nil || !strings.Contains(err.Error(), "is the cluster up?") {
		t.Fatalf("err = %v", err)
	}
}

func TestPath(t *testing.T) {
	t.Setenv("HOME", "/home/learner")
	p, err := Path("demo")
	if err != nil {
		t.Fatal(err)
	}
	if p != "/home/learner/.ownkube/demo/kubeconfig" {
		t.Errorf("Path = %q", p)
	}
}

func TestCredentialsAreEmbedded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	creds := &Credentials{CA: []byte("ca-pem"), ClientCert: []byte("cert-pem"), ClientKey: []byte("key-pem")}
	if err := Write(path, New("probe", "https://127.0.0.1:41234", creds)); err != nil {
		t.Fatal(err)
	}
	loaded, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, u := loaded.Clusters["ownkube-probe"], loaded.AuthInfos["ownkube-probe"]
	if string(c.CertificateAuthorityData) != "ca-pem" || string(u.ClientCertificateData) != "cert-pem" || string(u.ClientKeyData) != "key-pem" {
		t.Errorf("cluster %+v, user %+v: the credentials are not embedded", c, u)
	}
	data, err := Encode(New("probe", "https://apiserver:6443", creds))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "client-key-data:") || !strings.Contains(string(data), "server: https://apiserver:6443") {
		t.Errorf("Encode:\n%s", data)
	}
}
