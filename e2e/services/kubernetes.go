package services

import (
	"encoding/json"
	"net"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/e2e/framework"
)

// The API server keeps this Service and its endpoints itself, and the
// given proxy carries its traffic: no learner code is on its path.
var _ = Describe("The kubernetes Service", serviceLabels, Label("given"), func() {
	It("should hold the range's first address and carry a connection to it on to the API server", func(ctx SpecContext) {
		svc, err := framework.Client().CoreV1().Services(metav1.NamespaceDefault).Get(ctx, "kubernetes", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred(), "every cluster has the kubernetes Service in default")
		Expect(svc.Spec.Ports).To(HaveLen(1))
		Expect(svc.Spec.Ports[0].Port).To(BeEquivalentTo(443))
		ip := net.ParseIP(svc.Spec.ClusterIP).To4()
		Expect(ip).NotTo(BeNil(), "cluster IP %q", svc.Spec.ClusterIP)
		Expect(ip[3]).To(BeEquivalentTo(1), "the kubernetes Service holds the first address of the range, as 10.96.0.1")

		By("asking https://" + svc.Spec.ClusterIP + ":443 for the API server's version, from the cluster network, " +
			"trusting the cluster's CA: the API server's certificate names the Service's ClusterIP")
		want, err := framework.Client().Discovery().ServerVersion()
		Expect(err).NotTo(HaveOccurred())
		ca := string(framework.RESTConfig().CAData)
		Expect(ca).NotTo(BeEmpty(), "the suite's kubeconfig should carry the cluster's CA")
		Eventually(ctx, func(g Gomega) {
			out, code, err := framework.Probe(ctx, "http", "https://"+net.JoinHostPort(svc.Spec.ClusterIP, "443")+"/version",
				"-ca-pem", ca, "-timeout", probeTimeout.String())
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(code).To(BeZero(), "probe of the kubernetes Service: %s", out)
			var got version.Info
			g.Expect(json.Unmarshal([]byte(lastLine(out)), &got)).To(Succeed(), "the answer %q", out)
			g.Expect(got.GitVersion).To(Equal(want.GitVersion))
		}).WithTimeout(trafficTimeout).WithPolling(framework.Poll).Should(Succeed(), "waiting for the kubernetes Service to reach the API server")

		By("seeing its EndpointSlice name the API server's container")
		addr, err := framework.ContainerIP(ctx, framework.ComponentContainer(cluster.APIServer))
		Expect(err).NotTo(HaveOccurred())
		slice, err := framework.Client().DiscoveryV1().EndpointSlices(metav1.NamespaceDefault).Get(ctx, "kubernetes", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(slice.Endpoints).To(HaveLen(1))
		Expect(slice.Endpoints[0].Addresses).To(Equal([]string{addr}))
		Expect(slice.Ports).To(HaveLen(1))
		Expect(strconv.Itoa(int(*slice.Ports[0].Port))).To(Equal("6443"))
	}, SpecTimeout(specTimeout))
})
