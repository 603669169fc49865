package apiserver

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

// The API server's own plumbing, which answers before any request reaches
// the learner's store: discovery, and the refusal of bodies it cannot
// read. These specs pass with the store core a stub (label given: the stub
// proof exempts them), so a stage-3 failure elsewhere is the store's, not
// the server's. They touch no namespace of their own, since creating one
// is a write to the store; the same requests, checked to store nothing,
// are in badinput.go.
var _ = Describe("The API server's given plumbing", apiserverLabels, Label("given"), func() {
	It("should serve discovery of the core group and of every served group", func(ctx SpecContext) {
		d := framework.Client().Discovery()
		core, err := d.ServerResourcesForGroupVersion("v1")
		Expect(err).NotTo(HaveOccurred(), "discovery of /api/v1")
		var names []string
		for _, r := range core.APIResources {
			names = append(names, r.Name)
		}
		Expect(names).To(ContainElements("pods", "pods/status", "pods/binding", "nodes", "namespaces", "configmaps", "services", "events"))

		groups, err := d.ServerGroups()
		Expect(err).NotTo(HaveOccurred(), "discovery of /apis")
		var versions []string
		for _, g := range groups.Groups {
			versions = append(versions, g.PreferredVersion.GroupVersion)
		}
		Expect(versions).To(ContainElements("apps/v1", "batch/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1"))

		v, err := d.ServerVersion()
		Expect(err).NotTo(HaveOccurred(), "GET /version")
		Expect(v.GitVersion).To(HavePrefix("v1."), "the version kubectl reads")
	}, SpecTimeout(specTimeout))

	It("should count its requests in /metrics as kube-apiserver names them", func(ctx SpecContext) {
		refused := map[string]string{"verb": "POST", "resource": "configmaps", "code": "415", "component": "apiserver"}
		before := requestCount(ctx, refused)
		By("sending three bodies of plain text, which it refuses with 415")
		for range 3 {
			a := rawRequest(ctx, "POST", strings.ReplaceAll(configMapsPath, "{ns}", metav1.NamespaceDefault), "text/plain", []byte("name=plain"))
			Expect(a.code).To(Equal(415))
		}
		Expect(requestCount(ctx, refused)-before).To(BeNumerically(">=", 3),
			"apiserver_request_total%v should have counted the three", refused)
	}, SpecTimeout(specTimeout))

	// Requests the server refuses from their path or body alone, in
	// namespace default, which every cluster has.
	DescribeTable("should refuse what it cannot read with its code and a Status",
		func(ctx SpecContext, bad badRequest) {
			By(fmt.Sprintf("sending %s %s (%s)", bad.method, bad.path, bad.contentType))
			a := rawRequest(ctx, bad.method, strings.ReplaceAll(bad.path, "{ns}", metav1.NamespaceDefault), bad.contentType, []byte(bad.body))
			expectStatusAnswer(a, bad.code, bad.reason)
		},
		entry("413 for a body over 3 MiB", badRequest{
			method: "POST", path: configMapsPath, contentType: "application/json", body: overLimit,
			code: 413, reason: metav1.StatusReasonRequestEntityTooLarge,
		}),
		entry("415 for a body of plain text", badRequest{
			method: "POST", path: configMapsPath, contentType: "text/plain", body: "name=plain",
			code: 415, reason: metav1.StatusReasonUnsupportedMediaType,
		}),
		entry("400 for a malformed JSON body", badRequest{
			method: "POST", path: configMapsPath, contentType: "application/json",
			body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"broken"`,
			code: 400, reason: metav1.StatusReasonBadRequest,
		}),
		entry("400 for a body of another kind than the path's", badRequest{
			method: "POST", path: configMapsPath, contentType: "application/json",
			body: `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"misplaced"}}`,
			code: 400, reason: metav1.StatusReasonBadRequest,
		}),
		entry("404 for a resource that is not served", badRequest{
			method: "GET", path: "/api/v1/namespaces/{ns}/gizmos",
			code: 404, reason: metav1.StatusReasonNotFound,
		}),
	)
})

// requestCount is the sum of apiserver_request_total's series whose labels
// include want, read from the server's /metrics.
func requestCount(ctx context.Context, want map[string]string) float64 {
	GinkgoHelper()
	a := rawRequest(ctx, "GET", "/metrics", "", nil)
	Expect(a.code).To(Equal(200), "GET /metrics: %s", a)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(a.body))
	Expect(err).NotTo(HaveOccurred(), "/metrics should be in the Prometheus text format")
	family, ok := families["apiserver_request_total"]
	Expect(ok).To(BeTrue(), "/metrics should have apiserver_request_total")
	var sum float64
	for _, m := range family.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		if includesAll(labels, want) {
			sum += m.Counter.GetValue()
		}
	}
	return sum
}

func includesAll(labels, want map[string]string) bool {
	for k, v := range want {
		if labels[k] != v {
			return false
		}
	}
	return true
}
