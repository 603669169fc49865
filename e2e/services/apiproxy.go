package services

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"

	"github.com/ownkube/ownkube/e2e/framework"
)

// The API server's proxy subresources reach a pod by its status address
// and a Service by its Endpoints, which the learner's endpoints
// controller writes: hence stage 7.
var _ = Describe("The API server's proxy", serviceLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("apiproxy")
		framework.DeletePodsAfterSpec(ns)
	})

	It("should carry a request to a pod and to a ready endpoint of a Service, path included", func(ctx SpecContext) {
		createService(ctx, ns, service("web", corev1.ServiceTypeClusterIP))
		pods := createPods(ctx, ns, readyBackend("web", "web-a"), neverReady("web", "web-late"))
		awaitEndpoints(ctx, ns, "web", pods, []string{"web-a"}, []string{"web-late"})
		rest := framework.Client().CoreV1().RESTClient()

		By("GET pods/web-late:8080/proxy/hello: a pod answers though not ready")
		got := proxied(ctx, rest.Get().Namespace(ns).Resource("pods").Name("web-late:8080").SubResource("proxy", "hello"))
		Expect(got).To(answeredBy("web-late", "/hello"))

		By("GET services/web:web/proxy/a/b 5 times: only the ready endpoint answers")
		for range 5 {
			got := proxied(ctx, rest.Get().Namespace(ns).Resource("services").Name("web:web").SubResource("proxy", "a", "b"))
			Expect(got).To(answeredBy("web-a", "/a/b"))
		}
		By("GET services/web:80/proxy/: the port by number")
		Expect(proxied(ctx, rest.Get().Namespace(ns).Resource("services").Name("web:80").SubResource("proxy")).Pod).To(Equal("web-a"))
	}, SpecTimeout(specTimeout))

	It("should let kubectl proxy users reach a Service by its API path", Label("kubectl"), func(ctx SpecContext) {
		kubectl := framework.NewKubectl()
		createService(ctx, ns, service("web", corev1.ServiceTypeClusterIP))
		pods := createPods(ctx, ns, readyBackend("web", "web-a"))
		awaitEndpoints(ctx, ns, "web", pods, []string{"web-a"}, nil)

		By("starting kubectl proxy on a free loopback port")
		cmd := kubectl.Command(ctx, "proxy", "--port=0", "--address=127.0.0.1")
		out, err := cmd.StdoutPipe()
		Expect(err).NotTo(HaveOccurred())
		Expect(cmd.Start()).To(Succeed())
		DeferCleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		addr := proxyAddress(out)

		By("GET http://" + addr + "/api/v1/namespaces/" + ns + "/services/web:web/proxy/via-kubectl")
		url := fmt.Sprintf("http://%s/api/v1/namespaces/%s/services/web:web/proxy/via-kubectl", addr, ns)
		client := &http.Client{Timeout: probeTimeout}
		resp, err := client.Get(url)
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.StatusCode).To(Equal(http.StatusOK), "kubectl proxy answered %s", body)
		var got framework.EchoReply
		Expect(json.Unmarshal(body, &got)).To(Succeed(), "the answer %q", body)
		Expect(got).To(answeredBy("web-a", "/via-kubectl"))
	}, SpecTimeout(specTimeout))
})

// proxied sends a request through the API server's proxy and reads the
// echo server's answer.
func proxied(ctx SpecContext, req *rest.Request) framework.EchoReply {
	GinkgoHelper()
	var got framework.EchoReply
	Eventually(ctx, func(g Gomega) {
		body, err := req.DoRaw(ctx)
		g.Expect(err).NotTo(HaveOccurred(), "through the proxy: %s", body)
		g.Expect(json.Unmarshal(body, &got)).To(Succeed(), "the answer %q", body)
	}).WithTimeout(trafficTimeout).WithPolling(framework.Poll).Should(Succeed())
	return got
}

// answeredBy matches an echo answer from pod for path.
func answeredBy(pod, path string) types.GomegaMatcher {
	return And(HaveField("Pod", pod), HaveField("Path", path))
}

var servingOn = regexp.MustCompile(`Starting to serve on (\S+)`)

// proxyAddress reads kubectl proxy's first line for the address it serves.
func proxyAddress(out io.Reader) string {
	GinkgoHelper()
	line, err := bufio.NewReader(out).ReadString('\n')
	Expect(err).NotTo(HaveOccurred(), "kubectl proxy printed %q", line)
	m := servingOn.FindStringSubmatch(line)
	Expect(m).NotTo(BeNil(), "kubectl proxy printed %q", line)
	return m[1]
}
