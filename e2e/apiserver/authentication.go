package apiserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/pki"
	"github.com/ownkube/ownkube/e2e/framework"
)

// The API server serves TLS with a certificate of the cluster's CA and
// authenticates client certificates of that CA, as kube-apiserver does
// with --client-ca-file; anonymous may read health and version only. The
// server's given plumbing does it, before any request reaches the store.
var _ = Describe("The API server's authentication", apiserverLabels, Label("given"), func() {
	Context("when a request carries no client certificate", func() {
		It("should answer /api with a 401 Status and let anonymous read /readyz and /version", func(ctx SpecContext) {
			client := tlsClient(nil)
			By("GET /api over HTTPS, trusting the cluster's CA, with no certificate")
			expectUnauthorized(ctx, client, "/api")
			expectUnauthorized(ctx, client, "/api/v1/namespaces")
			for _, path := range []string{"/readyz", "/livez", "/healthz", "/version"} {
				By("GET " + path + " as anonymous")
				code, body := getWith(ctx, client, path)
				Expect(code).To(Equal(http.StatusOK), "anonymous GET %s should be allowed: %s", path, body)
			}
		}, SpecTimeout(specTimeout))
	})

	Context("when a request carries a certificate of another CA", func() {
		It("should refuse it with 401, even one naming kubernetes-admin in system:masters", func(ctx SpecContext) {
			stranger, err := pki.NewCA("stranger")
			Expect(err).NotTo(HaveOccurred())
			forged, err := stranger.ClientCert(pki.AdminUser, pki.MastersGroup)
			Expect(err).NotTo(HaveOccurred())
			pair, err := tls.X509KeyPair(forged.Cert, forged.Key)
			Expect(err).NotTo(HaveOccurred())
			By("GET /api with a certificate a stranger CA signed")
			expectUnauthorized(ctx, tlsClient(&pair), "/api")
		}, SpecTimeout(specTimeout))
	})

	It("should tell kubectl auth whoami that the kubeconfig's user is kubernetes-admin in system:masters", Label("kubectl"), func(ctx SpecContext) {
		out := framework.NewKubectl().Run(ctx, "auth", "whoami", "-o", "json")
		var review authenticationv1.SelfSubjectReview
		Expect(json.Unmarshal([]byte(out), &review)).To(Succeed(), "kubectl auth whoami -o json printed:\n%s", out)
		Expect(review.Status.UserInfo.Username).To(Equal(pki.AdminUser), "the user of the kubeconfig `ownkube up` wrote:\n%s", out)
		Expect(review.Status.UserInfo.Groups).To(ContainElements(pki.MastersGroup, "system:authenticated"), "its groups:\n%s", out)
	}, SpecTimeout(specTimeout))
})

// tlsClient trusts the cluster's CA alone and presents cert, if any.
func tlsClient(cert *tls.Certificate) *http.Client {
	GinkgoHelper()
	roots := x509.NewCertPool()
	Expect(roots.AppendCertsFromPEM(framework.RESTConfig().CAData)).To(BeTrue(), "the suite's kubeconfig should carry the cluster's CA")
	tc := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if cert != nil {
		tc.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
}

func getWith(ctx context.Context, client *http.Client, path string) (int, []byte) {
	GinkgoHelper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, framework.Cluster().APIServerURL+path, nil)
	Expect(err).NotTo(HaveOccurred())
	resp, err := client.Do(req)
	Expect(err).NotTo(HaveOccurred(), "GET %s over HTTPS, trusting the cluster's CA", path)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp.StatusCode, body
}

// expectUnauthorized checks GET path is answered 401 in Kubernetes' Status.
func expectUnauthorized(ctx context.Context, client *http.Client, path string) {
	GinkgoHelper()
	code, body := getWith(ctx, client, path)
	a := answer{code: code, body: body}
	var s metav1.Status
	if json.Unmarshal(body, &s) == nil && s.Kind == "Status" {
		a.status = &s
	}
	expectStatusAnswer(a, http.StatusUnauthorized, metav1.StatusReasonUnauthorized)
}
