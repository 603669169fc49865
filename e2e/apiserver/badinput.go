package apiserver

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

// badRequest is one request the API server must refuse; {ns} in its paths
// stands for the spec's namespace.
type badRequest struct {
	method, path, contentType, body string
	code                            int
	reason                          metav1.StatusReason
	// absent are paths that must answer 404 afterwards: what the request
	// would have created.
	absent []string
}

const (
	configMapsPath = "/api/v1/namespaces/{ns}/configmaps"
	podsPath       = "/api/v1/namespaces/{ns}/pods"
)

// overLimit is a configmap whose body is larger than the server's 3 MiB.
var overLimit = fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"huge"},"data":{"a":%q}}`, strings.Repeat("x", 3<<20+1024))

var _ = Describe("Bad input", apiserverLabels, func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		ns = framework.NewNamespace("badinput")
		_, err := framework.Client().CoreV1().ConfigMaps(ns).Create(ctx, newConfigMap("existing", map[string]string{"v": "1"}), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		_, err = framework.Client().CoreV1().Pods(ns).Create(ctx, newPod("existing", nil), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
	}, NodeTimeout(specTimeout))

	DescribeTable("should be refused with its code and a Status, and store nothing",
		func(ctx SpecContext, bad badRequest) {
			expand := func(s string) string { return strings.ReplaceAll(s, "{ns}", ns) }
			before := snapshot(ctx, ns)
			Expect(before).To(HaveKey("configmaps/existing"), "the fixture")
			Expect(before).To(HaveKey("pods/existing"), "the fixture")

			By(fmt.Sprintf("sending %s %s (%s)", bad.method, bad.path, bad.contentType))
			answer := rawRequest(ctx, bad.method, expand(bad.path), bad.contentType, []byte(expand(bad.body)))
			expectStatusAnswer(answer, bad.code, bad.reason)

			By("checking nothing was stored")
			Expect(snapshot(ctx, ns)).To(Equal(before), "the configmaps and pods of the namespace, by resourceVersion")
			for _, path := range bad.absent {
				a := rawRequest(ctx, "GET", expand(path), "", nil)
				Expect(a.code).To(Equal(404), "GET %s after the refused request: %s", expand(path), a)
			}
		},
		entry("400 for a malformed JSON body", badRequest{
			method: "POST", path: configMapsPath, contentType: "application/json",
			body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"broken"`,
			code: 400, reason: metav1.StatusReasonBadRequest, absent: []string{configMapsPath + "/broken"},
		}),
		entry("400 for a body of another kind than the path's", badRequest{
			method: "POST", path: configMapsPath, contentType: "application/json",
			body: `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"misplaced"}}`,
			code: 400, reason: metav1.StatusReasonBadRequest, absent: []string{configMapsPath + "/misplaced", "/api/v1/namespaces/{ns}/secrets/misplaced"},
		}),
		entry("400 for a malformed merge patch", badRequest{
			method: "PATCH", path: configMapsPath + "/existing", contentType: "application/merge-patch+json",
			body: `{"data":{"v":`,
			code: 400, reason: metav1.StatusReasonBadRequest,
		}),
		entry("404 for a missing object", badRequest{
			method: "GET", path: configMapsPath + "/missing",
			code: 404, reason: metav1.StatusReasonNotFound,
		}),
		entry("404 for an update of a missing object", badRequest{
			method: "PUT", path: configMapsPath + "/missing", contentType: "application/json",
			body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"missing"}}`,
			code: 404, reason: metav1.StatusReasonNotFound, absent: []string{configMapsPath + "/missing"},
		}),
		entry("404 for a create in a missing namespace", badRequest{
			method: "POST", path: "/api/v1/namespaces/{ns}-missing/configmaps", contentType: "application/json",
			body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"stray"}}`,
			code: 404, reason: metav1.StatusReasonNotFound,
			absent: []string{"/api/v1/namespaces/{ns}-missing", "/api/v1/namespaces/{ns}-missing/configmaps/stray"},
		}),
		entry("404 for a resource that is not served", badRequest{
			method: "GET", path: "/api/v1/namespaces/{ns}/gizmos",
			code: 404, reason: metav1.StatusReasonNotFound,
		}),
		entry("409 AlreadyExists for a name that is taken", badRequest{
			method: "POST", path: configMapsPath, contentType: "application/json",
			body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"existing"},"data":{"v":"impostor"}}`,
			code: 409, reason: metav1.StatusReasonAlreadyExists,
		}),
		entry("409 Conflict for an update with a stale resourceVersion", badRequest{
			method: "PUT", path: configMapsPath + "/existing", contentType: "application/json",
			body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"existing","resourceVersion":"1"},"data":{"v":"stale"}}`,
			code: 409, reason: metav1.StatusReasonConflict,
		}),
		entry("413 for a body over 3 MiB", badRequest{
			method: "POST", path: configMapsPath, contentType: "application/json", body: overLimit,
			code: 413, reason: metav1.StatusReasonRequestEntityTooLarge, absent: []string{configMapsPath + "/huge"},
		}),
		entry("415 for a body of plain text", badRequest{
			method: "POST", path: configMapsPath, contentType: "text/plain", body: "name=plain",
			code: 415, reason: metav1.StatusReasonUnsupportedMediaType,
		}),
		entry("422 for a name that is no DNS-1123 subdomain", badRequest{
			method: "POST", path: configMapsPath, contentType: "application/json",
			body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Not_A_Name"}}`,
			code: 422, reason: metav1.StatusReasonInvalid, absent: []string{configMapsPath + "/Not_A_Name"},
		}),
		entry("422 for a pod without containers", badRequest{
			method: "POST", path: podsPath, contentType: "application/json",
			body: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"empty"},"spec":{"containers":[]}}`,
			code: 422, reason: metav1.StatusReasonInvalid, absent: []string{podsPath + "/empty"},
		}),
		entry("422 for a container without its required image", badRequest{
			method: "POST", path: podsPath, contentType: "application/json",
			body: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"imageless"},"spec":{"containers":[{"name":"app"}]}}`,
			code: 422, reason: metav1.StatusReasonInvalid, absent: []string{podsPath + "/imageless"},
		}),
		entry("422 for an update of an immutable field", badRequest{
			method: "PATCH", path: podsPath + "/existing", contentType: "application/merge-patch+json",
			body: `{"spec":{"restartPolicy":"Never"}}`,
			code: 422, reason: metav1.StatusReasonInvalid,
		}),
	)

	It("should answer a list at a compacted resourceVersion with 410 Expired", func(ctx SpecContext) {
		before := snapshot(ctx, ns)
		// Revision 1 is compacted once the suite's cluster has lived two
		// compaction intervals: wait for that, not for anything of this spec.
		var last answer
		Eventually(ctx, func(g Gomega) {
			last = rawRequest(ctx, "GET", strings.ReplaceAll(configMapsPath, "{ns}", ns)+"?resourceVersion=1&resourceVersionMatch=Exact", "", nil)
			g.Expect(last.code).To(Equal(410), "%s", last)
		}).WithTimeout(waitTimeout).WithPolling(500*time.Millisecond).Should(Succeed(), "waiting for revision 1 to be compacted")
		expectStatusAnswer(last, 410, metav1.StatusReasonExpired)
		Expect(snapshot(ctx, ns)).To(Equal(before))
	}, SpecTimeout(specTimeout))

	It("should answer dryRun=All as if it were done, and store nothing", func(ctx SpecContext) {
		cm := func(s string) string { return strings.ReplaceAll(s, "{ns}", ns) }
		before := snapshot(ctx, ns)

		By("creating a configmap with dryRun=All")
		a := rawRequest(ctx, "POST", cm(configMapsPath)+"?dryRun=All", "application/json",
			[]byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dry"},"data":{"v":"1"}}`))
		Expect(a.code).To(Equal(201), "a dry-run create answers as a create would: %s", a)
		Expect(string(a.body)).To(ContainSubstring(`"name":"dry"`))
		Expect(rawRequest(ctx, "GET", cm(configMapsPath)+"/dry", "", nil).code).To(Equal(404), "the dry-run create should have stored nothing")

		By("updating a configmap with dryRun=All")
		a = rawRequest(ctx, "PATCH", cm(configMapsPath)+"/existing?dryRun=All", "application/merge-patch+json", []byte(`{"data":{"v":"dry"}}`))
		Expect(a.code).To(Equal(200), "%s", a)
		Expect(string(a.body)).To(ContainSubstring(`"v":"dry"`), "a dry-run patch answers with the patched object")

		By("deleting a configmap with dryRun=All")
		a = rawRequest(ctx, "DELETE", cm(configMapsPath)+"/existing?dryRun=All", "", nil)
		Expect(a.code).To(Equal(200), "%s", a)

		got, err := framework.Client().CoreV1().ConfigMaps(ns).Get(ctx, "existing", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred(), "the dry-run delete should have deleted nothing")
		Expect(got.Data).To(Equal(map[string]string{"v": "1"}), "the dry-run patch should have changed nothing")
		Expect(snapshot(ctx, ns)).To(Equal(before), "the configmaps and pods of the namespace, by resourceVersion")
	}, SpecTimeout(specTimeout))
})

// snapshot is the configmaps and pods of a namespace, by resourceVersion.
func snapshot(ctx context.Context, ns string) map[string]string {
	GinkgoHelper()
	out := map[string]string{}
	cms, err := framework.Client().CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	Expect(err).NotTo(HaveOccurred())
	for _, cm := range cms.Items {
		out["configmaps/"+cm.Name] = cm.ResourceVersion
	}
	pods, err := framework.Client().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	Expect(err).NotTo(HaveOccurred())
	for _, p := range pods.Items {
		out["pods/"+p.Name] = p.ResourceVersion
	}
	return out
}
