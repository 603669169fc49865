package services

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("Services", serviceLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("services")
		framework.DeletePodsAfterSpec(ns)
	})

	Context("with a selector", func() {
		It("should list exactly the ready pods in its Endpoints and EndpointSlices and move a pod that turns not ready", func(ctx SpecContext) {
			createService(ctx, ns, service("web", corev1.ServiceTypeClusterIP))
			By("creating two ready pods, one never ready, one ready only for its first " + flakyReadyFor.String() + ", and one the selector leaves out")
			other := readyBackend("other", "other")
			pods := createPods(ctx, ns, readyBackend("web", "web-a"), readyBackend("web", "web-b"),
				neverReady("web", "web-late"), turnsUnready("web", "web-flaky", flakyReadyFor), other)

			awaitEndpoints(ctx, ns, "web", pods, []string{"web-a", "web-b", "web-flaky"}, []string{"web-late"})
			By("waiting for web-flaky to fail its readiness probe")
			awaitTurnedUnready(ctx, ns, "web", pods, []string{"web-a", "web-b"}, []string{"web-flaky", "web-late"})

			By("deleting web-a")
			framework.DeletePod(ctx, ns, "web-a")
			awaitEndpoints(ctx, ns, "web", pods, []string{"web-b"}, []string{"web-flaky", "web-late"})
		}, SpecTimeout(specTimeout))

		It("should spread connections to its ClusterIP over every ready pod and stop sending to a deleted one", func(ctx SpecContext) {
			svc := createService(ctx, ns, service("web", corev1.ServiceTypeClusterIP))
			pods := createPods(ctx, ns, readyBackend("web", "web-a"), readyBackend("web", "web-b"), neverReady("web", "web-late"))
			awaitEndpoints(ctx, ns, "web", pods, []string{"web-a", "web-b"}, []string{"web-late"})

			By("asking the ClusterIP " + svc.Spec.ClusterIP + " 20 times")
			awaitAnswers(ctx, url(svc.Spec.ClusterIP, 80), 20, "web-a", "web-b")

			By("deleting web-b")
			framework.DeletePod(ctx, ns, "web-b")
			awaitAnswers(ctx, url(svc.Spec.ClusterIP, 80), 10, "web-a")

			Expect(forwarders(ctx, Default, ns)).To(HaveLen(1), "one forwarder holds the ClusterIP")
			By("deleting the Service: its forwarder goes")
			Expect(framework.Client().CoreV1().Services(ns).Delete(ctx, "web", metav1.DeleteOptions{})).To(Succeed())
			Eventually(ctx, func(g Gomega) {
				g.Expect(forwarders(ctx, g, ns)).To(BeEmpty(), "forwarder containers of namespace %s", ns)
			}).WithTimeout(trafficTimeout).WithPolling(framework.Poll).Should(Succeed(),
				"waiting for the forwarder of the deleted Service to be removed")
		}, SpecTimeout(specTimeout))

		It("should reach every ready pod through its nodePort on every node and stop reaching one that turns not ready", func(ctx SpecContext) {
			svc := createService(ctx, ns, service("web", corev1.ServiceTypeNodePort))
			nodePort := svc.Spec.Ports[0].NodePort
			Expect(nodePort).To(BeNumerically(">=", 30000), "a NodePort service should get a node port")
			pods := createPods(ctx, ns, readyBackend("web", "web-a"), turnsUnready("web", "web-flaky", flakyReadyFor))
			awaitEndpoints(ctx, ns, "web", pods, []string{"web-a", "web-flaky"}, nil)

			for _, ip := range nodeIPs(ctx) {
				By("asking node " + ip + " on node port " + itoa(nodePort))
				awaitAnswers(ctx, url(ip, nodePort), 16, "web-a", "web-flaky")
			}
			By("waiting for web-flaky to fail its readiness probe")
			awaitTurnedUnready(ctx, ns, "web", pods, []string{"web-a"}, []string{"web-flaky"})
			for _, ip := range nodeIPs(ctx) {
				awaitAnswers(ctx, url(ip, nodePort), 10, "web-a")
			}
		}, SpecTimeout(specTimeout))

		It("should be reached by its name from a pod, as web, web.NS and web.NS.svc.cluster.local, at every ready pod", func(ctx SpecContext) {
			svc := createService(ctx, ns, service("web", corev1.ServiceTypeClusterIP))
			pods := createPods(ctx, ns, readyBackend("web", "web-a"), readyBackend("web", "web-b"))
			awaitEndpoints(ctx, ns, "web", pods, []string{"web-a", "web-b"}, nil)
			awaitAnswers(ctx, url(svc.Spec.ClusterIP, 80), 10, "web-a", "web-b")

			// Pods, not bare containers: only a pod gets the cluster DNS
			// and the search path <ns>.svc.cluster.local svc.cluster.local
			// cluster.local that make the short names work.
			names := map[string]string{"short": "web", "namespaced": "web." + ns, "full": "web." + ns + ".svc.cluster.local"}
			for probe, name := range names {
				By("GETting http://" + name + "/ 20 times from pod " + probe)
				_, err := framework.Client().CoreV1().Pods(ns).Create(ctx,
					framework.ProbePod(probe, "repeat", "http://"+name+"/", "-count", "20", "-timeout", probeTimeout.String()), metav1.CreateOptions{})
				Expect(err).NotTo(HaveOccurred(), "create probe pod %s", probe)
			}
			for probe, name := range names {
				out, code := framework.AwaitProbePod(ctx, ns, probe, trafficTimeout)
				Expect(code).To(Equal(0), "probe pod %s asking %s printed:\n%s", probe, name, out)
				var got summary
				Expect(json.Unmarshal([]byte(lastLine(out)), &got)).To(Succeed(), "the summary of probe pod %s: %q", probe, out)
				Expect(got.Failures).To(BeZero(), "requests to http://%s/ from a pod failed: %s", name, got.FirstError)
				Expect(got.Answers).To(HaveKey("web-a"), "http://%s/ should reach web-a: %v", name, got.Answers)
				Expect(got.Answers).To(HaveKey("web-b"), "http://%s/ should reach web-b: %v", name, got.Answers)
			}
		}, SpecTimeout(specTimeout))

		It("should keep a client on one pod under ClientIP session affinity", func(ctx SpecContext) {
			s := service("web", corev1.ServiceTypeClusterIP)
			s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
			s.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr.To[int32](60)}}
			svc := createService(ctx, ns, s)
			pods := createPods(ctx, ns, readyBackend("web", "web-a"), readyBackend("web", "web-b"), readyBackend("web", "web-c"))
			awaitEndpoints(ctx, ns, "web", pods, []string{"web-a", "web-b", "web-c"}, nil)

			By("asking the ClusterIP 12 times from one probe")
			Eventually(ctx, func(g Gomega) {
				framework.StopIfNotImplemented(ctx, ns, "the ClusterIP of service "+svc.Name+" to answer")
				s := repeat(ctx, g, url(svc.Spec.ClusterIP, 80), 12)
				g.Expect(s.Failures).To(BeZero(), "failed requests: %s", s.FirstError)
				g.Expect(s.Answers).To(HaveLen(1), "one client should stay on one pod: %v", s.Answers)
			}).WithTimeout(trafficTimeout).WithPolling(time.Second).Should(Succeed(),
				"waiting for the ClusterIP to answer every request from the same pod")
		}, SpecTimeout(specTimeout))
	})

	Context("when no pod is ready", func() {
		It("should refuse connections to its ClusterIP and nodePort at once", func(ctx SpecContext) {
			svc := createService(ctx, ns, service("web", corev1.ServiceTypeNodePort))
			pods := createPods(ctx, ns, neverReady("web", "web-late"))
			awaitEndpoints(ctx, ns, "web", pods, nil, []string{"web-late"})

			targets := []string{url(svc.Spec.ClusterIP, 80)}
			for _, ip := range nodeIPs(ctx) {
				targets = append(targets, url(ip, svc.Spec.Ports[0].NodePort))
			}
			for _, target := range targets {
				By("asking " + target + " 3 times, each with a " + probeTimeout.String() + " timeout")
				// Eventually: the forwarder may still be starting, and an
				// address nobody holds times out rather than refuses.
				Eventually(ctx, func(g Gomega) {
					s := repeat(ctx, g, target, 3)
					g.Expect(s.Failures).To(Equal(3), "no request should succeed: %v", s.Answers)
					g.Expect(s.MaxFailureMillis).To(BeNumerically("<", float64(refusedWithin.Milliseconds())),
						"each request should be refused at once, not wait out the timeout: %s", s.FirstError)
				}).WithTimeout(trafficTimeout).WithPolling(time.Second).Should(Succeed(),
					"waiting for %s to refuse connections within %s", target, refusedWithin)
			}
		}, SpecTimeout(specTimeout))
	})

	Context("without a selector", func() {
		It("should leave its hand-made EndpointSlice alone and write no Endpoints, while writing those of a Service with one", func(ctx SpecContext) {
			s := service("manual", corev1.ServiceTypeClusterIP)
			s.Spec.Selector = nil
			createService(ctx, ns, s)
			slices := framework.Client().DiscoveryV1().EndpointSlices(ns)
			_, err := slices.Create(ctx, &discoveryv1.EndpointSlice{
				ObjectMeta:  metav1.ObjectMeta{Name: "manual-1", Labels: map[string]string{discoveryv1.LabelServiceName: "manual"}},
				AddressType: discoveryv1.AddressTypeIPv4,
				Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{"192.0.2.10"}}},
			}, metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred(), "create a hand-made EndpointSlice")

			// "Writes no Endpoints" alone would pass with no endpoints
			// controller at all: a Service with a selector beside it shows
			// that the controller runs and writes Endpoints in this
			// namespace, so what it leaves out it leaves out by choice.
			witness := service("witness", corev1.ServiceTypeClusterIP)
			witness.Spec.Selector = map[string]string{"app": "nothing-matches"}
			createService(ctx, ns, witness)
			Eventually(ctx, func(g Gomega) {
				framework.StopIfNotImplemented(ctx, ns, "the Endpoints of Service witness")
				_, err := framework.Client().CoreV1().Endpoints(ns).Get(ctx, "witness", metav1.GetOptions{})
				g.Expect(err).NotTo(HaveOccurred(), "the endpoints controller writes the (empty) Endpoints of a Service with a selector")
			}).WithTimeout(endpointsTimeout).WithPolling(framework.Poll).Should(Succeed(), "waiting for the Endpoints of Service witness")

			Consistently(ctx, func(g Gomega) {
				list, err := slices.List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=manual"})
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(list.Items).To(HaveLen(1), "only the hand-made slice")
				g.Expect(list.Items[0].Endpoints).To(HaveLen(1))
				g.Expect(list.Items[0].Endpoints[0].Addresses).To(Equal([]string{"192.0.2.10"}))
				_, err = framework.Client().CoreV1().Endpoints(ns).Get(ctx, "manual", metav1.GetOptions{})
				g.Expect(err).To(HaveOccurred(), "no Endpoints for a Service without a selector")
			}).WithTimeout(3 * time.Second).WithPolling(500 * time.Millisecond).Should(Succeed())
		}, SpecTimeout(specTimeout))
	})
})

func itoa(p int32) string { return strconv.Itoa(int(p)) }

// lastLine is the last non-empty line of out: a probe's summary, after
// whatever it logged.
func lastLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}
