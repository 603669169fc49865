package apiserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
	"github.com/ownkube/ownkube/components/pki"
)

// get GETs path from s with the TLS client config tc, trusting s's CA.
func get(t *testing.T, s *apiservertest.Server, tc rest.TLSClientConfig, path string) (int, []byte) {
	t.Helper()
	tc.CAData = s.CA.CertPEM()
	client, err := rest.HTTPClientFor(&rest.Config{Host: s.URL, TLSClientConfig: tc})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Get(s.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func whoami(t *testing.T, cfg *rest.Config) authenticationv1.UserInfo {
	t.Helper()
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	review, err := client.AuthenticationV1().SelfSubjectReviews().Create(context.Background(), &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create a SelfSubjectReview: %v", err)
	}
	return review.Status.UserInfo
}

func TestAdminCertificateAuthenticatesAsSystemMasters(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true, TLS: true})
	if _, err := s.Client.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{}); err != nil {
		t.Fatalf("the admin cannot list namespaces: %v", err)
	}
	got := whoami(t, s.Config)
	if got.Username != pki.AdminUser || !slices.Equal(got.Groups, []string{pki.MastersGroup, "system:authenticated"}) {
		t.Errorf("whoami = %+v, want %s in [%s system:authenticated]", got, pki.AdminUser, pki.MastersGroup)
	}

	node, err := s.CA.ClientCert(pki.NodeUser("n1"), pki.NodesGroup)
	if err != nil {
		t.Fatal(err)
	}
	cfg := rest.CopyConfig(s.Config)
	cfg.CertData, cfg.KeyData = node.Cert, node.Key
	if got := whoami(t, cfg); got.Username != "system:node:n1" || !slices.Contains(got.Groups, pki.NodesGroup) {
		t.Errorf("a kubelet's whoami = %+v", got)
	}
}

func TestRequestsWithoutValidCertificateAreUnauthorized(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true, TLS: true})
	stranger, err := pki.NewCA("stranger")
	if err != nil {
		t.Fatal(err)
	}
	forged, err := stranger.ClientCert(pki.AdminUser, pki.MastersGroup)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]rest.TLSClientConfig{
		"no certificate":              {},
		"a certificate of another CA": {CertData: forged.Cert, KeyData: forged.Key},
	} {
		for _, path := range []string{"/api", "/api/v1/namespaces", "/apis", "/openapi/v2", "/metrics", "/healthzz"} {
			code, body := get(t, s, tc, path)
			var status metav1.Status
			if err := json.Unmarshal(body, &status); err != nil || code != http.StatusUnauthorized ||
				status.Kind != "Status" || status.Reason != metav1.StatusReasonUnauthorized || status.Code != http.StatusUnauthorized {
				t.Errorf("%s: GET %s = %d %s, want 401 and a Status of reason Unauthorized", name, path, code, body)
			}
		}
		for _, path := range []string{"/healthz", "/livez", "/readyz", "/readyz/etcd", "/livez/ping", "/version"} {
			if code, body := get(t, s, tc, path); code != http.StatusOK {
				t.Errorf("%s: GET %s = %d %s, want 200: anonymous may read it", name, path, code, body)
			}
		}
	}
	if code, _ := get(t, s, rest.TLSClientConfig{CertData: s.Config.CertData, KeyData: s.Config.KeyData}, "/api"); code != http.StatusOK {
		t.Errorf("the admin: GET /api = %d, want 200", code)
	}
}

func TestSelfSubjectReviewIsDiscovered(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true, TLS: true})
	list, err := s.Client.Discovery().ServerResourcesForGroupVersion("authentication.k8s.io/v1")
	if err != nil {
		t.Fatal(err)
	}
	if len(list.APIResources) != 1 || list.APIResources[0].Name != "selfsubjectreviews" || !slices.Equal(list.APIResources[0].Verbs, []string{"create"}) {
		t.Errorf("authentication.k8s.io/v1 serves %+v", list.APIResources)
	}
	groups, err := s.Client.Discovery().ServerGroups()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(groups.Groups, func(g metav1.APIGroup) bool { return g.Name == "authentication.k8s.io" }) {
		t.Error("/apis does not list authentication.k8s.io")
	}
}

func TestPlainServerAuthenticatesNoOne(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	if got := whoami(t, s.Config); got.Username != "system:anonymous" {
		t.Errorf("whoami on a plain server = %+v, want system:anonymous", got)
	}
}

// BenchmarkCreateOverTLS is the cost of TLS and client-certificate
// authentication on a mutating call: ConfigMap creates one after another
// over a kept-alive connection, to a plain server and to a TLS one.
func BenchmarkCreateOverTLS(b *testing.B) {
	for _, secure := range []bool{false, true} {
		name := "plain"
		if secure {
			name = "tls"
		}
		b.Run(name, func(b *testing.B) {
			s := apiservertest.Start(b, apiservertest.Options{WithoutLoops: true, TLS: secure})
			cms := s.Client.CoreV1().ConfigMaps(metav1.NamespaceDefault)
			ctx := context.Background()
			b.ResetTimer()
			for i := range b.N {
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cm-%d", i)}, Data: map[string]string{"k": "v"}}
				if _, err := cms.Create(ctx, cm, metav1.CreateOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
