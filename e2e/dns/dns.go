package dns

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

var dnsLabels = Label("dns", "stage7")

const (
	// specTimeout bounds a whole spec: a few probe pods, each up to
	// PodStartTimeout plus its lookups.
	specTimeout = 4 * time.Minute
	// lookupRetries and lookupInterval let a probe wait out the cluster
	// DNS's informers catching up with a change: up to 15s.
	lookupRetries  = "30"
	lookupInterval = "500ms"
	lookupTimeout  = 20 * time.Second
)

var _ = Describe("Cluster DNS", dnsLabels, func() {
	var ns string

	BeforeEach(func() {
		Expect(framework.Cluster().DNS).NotTo(BeEmpty(), "the cluster runs no DNS: its Cluster.DNS is empty")
		ns = framework.NewNamespace("dns")
		framework.DeletePodsAfterSpec(ns)
	})

	Context("when a Service has a ClusterIP", func() {
		It("should resolve its name to the ClusterIP from a pod, short, with its namespace, and in full", func(ctx SpecContext) {
			svc := createService(ctx, ns, clusterIPService("web"))
			By("looking up web, web." + ns + " and web." + ns + ".svc.cluster.local from pods of namespace " + ns)
			names := map[string]string{"short": "web", "ns": "web." + ns, "full": "web." + ns + ".svc.cluster.local"}
			for key, name := range names {
				createPod(ctx, ns, framework.ProbePod("lookup-"+key, lookup(name, svc.Spec.ClusterIP)...))
			}
			for key, name := range names {
				expectProbeSucceeds(ctx, ns, "lookup-"+key, "%s should resolve to the ClusterIP %s", name, svc.Spec.ClusterIP)
			}
		}, SpecTimeout(specTimeout))

		It("should answer SRV for its named port, targeting the Service's name", func(ctx SpecContext) {
			createService(ctx, ns, clusterIPService("web"))
			name := "_http._tcp.web." + ns + ".svc.cluster.local"
			want := "80 web." + ns + ".svc.cluster.local."
			createPod(ctx, ns, framework.ProbePod("srv", append(lookup(name, want), "-type", "SRV")...))
			expectProbeSucceeds(ctx, ns, "srv", "SRV %s should be %q", name, want)
		}, SpecTimeout(specTimeout))
	})

	Context("when a headless Service has an EndpointSlice made by hand", func() {
		It("should resolve to exactly its ready addresses, and follow an update of the slice", func(ctx SpecContext) {
			createService(ctx, ns, headlessService("db"))
			slices := framework.Client().DiscoveryV1().EndpointSlices(ns)
			By("creating slice db-1: 192.0.2.1 ready, 192.0.2.2 not ready, 192.0.2.3 with readiness unset (ready)")
			slice, err := slices.Create(ctx, endpointSlice("db-1", "db",
				endpoint("192.0.2.1", ptr.To(true)), endpoint("192.0.2.2", ptr.To(false)), endpoint("192.0.2.3", nil)),
				metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred(), "create EndpointSlice db-1")
			createPod(ctx, ns, framework.ProbePod("ready-set", lookup("db", "192.0.2.1,192.0.2.3")...))
			expectProbeSucceeds(ctx, ns, "ready-set", "db should resolve to its ready addresses 192.0.2.1 and 192.0.2.3 only")

			By("making 192.0.2.2 ready and 192.0.2.1 not ready")
			slice.Endpoints[0].Conditions.Ready = ptr.To(false)
			slice.Endpoints[1].Conditions.Ready = ptr.To(true)
			_, err = slices.Update(ctx, slice, metav1.UpdateOptions{})
			Expect(err).NotTo(HaveOccurred(), "update EndpointSlice db-1")
			createPod(ctx, ns, framework.ProbePod("updated-set", lookup("db."+ns, "192.0.2.2,192.0.2.3")...))
			expectProbeSucceeds(ctx, ns, "updated-set", "db should follow the slice to 192.0.2.2 and 192.0.2.3")
		}, SpecTimeout(specTimeout))

		It("should answer SRV for its named port with one target per ready endpoint", func(ctx SpecContext) {
			createService(ctx, ns, headlessService("db"))
			ready := endpoint("192.0.2.1", ptr.To(true))
			ready.Hostname = ptr.To("db-0")
			_, err := framework.Client().DiscoveryV1().EndpointSlices(ns).Create(ctx, endpointSlice("db-1", "db",
				ready, endpoint("192.0.2.2", nil), endpoint("192.0.2.3", ptr.To(false))), metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred(), "create EndpointSlice db-1")
			name := "_pg._tcp.db." + ns + ".svc.cluster.local"
			svcName := ".db." + ns + ".svc.cluster.local."
			// A hostname names its endpoint; an endpoint without one is
			// named by its address with dashes, as CoreDNS names it.
			want := "5432 db-0" + svcName + ",5432 192-0-2-2" + svcName
			createPod(ctx, ns, framework.ProbePod("srv", append(lookup(name, want), "-type", "SRV")...))
			expectProbeSucceeds(ctx, ns, "srv", "SRV %s should be %q", name, want)
		}, SpecTimeout(specTimeout))
	})

	Context("when a name under cluster.local names nothing", func() {
		// The cluster DNS is given code; these two need no pod to run,
		// only the store (label store-only).
		It("should answer NXDOMAIN, and NOERROR for a Service's name beside it", Label("store-only"), func(ctx SpecContext) {
			svc := createService(ctx, ns, clusterIPService("web"))
			server := framework.Cluster().DNS + ":53"
			for name, want := range map[string]string{
				"nothere." + ns + ".svc.cluster.local":  "NXDOMAIN",
				"web." + ns + ".svc.cluster.local":      svc.Spec.ClusterIP,
				"web.nosuchnamespace.svc.cluster.local": "NXDOMAIN",
			} {
				By(fmt.Sprintf("asking the cluster DNS at %s for %s", server, name))
				out, code, err := framework.Probe(ctx, "dns", name, "-server", server, "-want", want,
					"-retries", lookupRetries, "-interval", lookupInterval)
				Expect(err).NotTo(HaveOccurred(), "run a probe container")
				Expect(code).To(Equal(0), "the cluster DNS should answer %s for %s; it answered %q", want, name, out)
			}
		}, SpecTimeout(specTimeout))
	})

	Context("when a name is outside cluster.local", func() {
		It("should forward it to the upstream, Docker's resolver, which knows the cluster's containers", Label("store-only"), func(ctx SpecContext) {
			c := framework.Cluster()
			apiserver, err := framework.Docker().ContainerInspect(ctx, c.Name+"-apiserver")
			Expect(err).NotTo(HaveOccurred(), "inspect the API server's container")
			Expect(apiserver.NetworkSettings.Networks).To(HaveKey(c.Network))
			ip := apiserver.NetworkSettings.Networks[c.Network].IPAddress
			server := c.DNS + ":53"
			By(fmt.Sprintf("asking the cluster DNS at %s for apiserver, the API server's alias on network %s", server, c.Network))
			out, code, err := framework.Probe(ctx, "dns", "apiserver", "-server", server, "-want", ip,
				"-retries", lookupRetries, "-interval", lookupInterval)
			Expect(err).NotTo(HaveOccurred(), "run a probe container")
			Expect(code).To(Equal(0), "the cluster DNS should forward apiserver to Docker's resolver and answer %s; it answered %q", ip, out)
		}, SpecTimeout(specTimeout))
	})

	Context("when a pod starts after Services of its namespace exist", func() {
		It("should give its containers their _SERVICE_HOST and _SERVICE_PORT, unless enableServiceLinks is false", func(ctx SpecContext) {
			svc := createService(ctx, ns, clusterIPService("web-front"))
			linked := createPod(ctx, ns, framework.EchoPod("linked"))
			unlinked := framework.EchoPod("unlinked")
			unlinked.Spec.EnableServiceLinks = ptr.To(false)
			unlinked = createPod(ctx, ns, unlinked)

			want := []string{"WEB_FRONT_SERVICE_HOST=" + svc.Spec.ClusterIP, "WEB_FRONT_SERVICE_PORT=80",
				"WEB_FRONT_SERVICE_PORT_HTTP=80", "WEB_FRONT_PORT=tcp://" + svc.Spec.ClusterIP + ":80"}
			Expect(framework.AppEnv(ctx, ns, linked)).To(ContainElements(want), "the environment of pod linked's app container")
			Expect(framework.AppEnv(ctx, ns, unlinked)).NotTo(ContainElement(HavePrefix("WEB_FRONT_")),
				"pod unlinked has enableServiceLinks false: no Service variables")
		}, SpecTimeout(specTimeout))
	})
})

// lookup is the probe's arguments to resolve name as a pod does and
// succeed once the answers are exactly want (comma-separated).
func lookup(name, want string) []string {
	return []string{"dns", name, "-want", want, "-retries", lookupRetries, "-interval", lookupInterval}
}

func expectProbeSucceeds(ctx SpecContext, ns, pod, format string, args ...any) {
	GinkgoHelper()
	out, code := framework.AwaitProbePod(ctx, ns, pod, lookupTimeout)
	Expect(code).To(Equal(0), "%s; probe pod %s printed:\n%s", fmt.Sprintf(format, args...), pod, out)
}

func clusterIPService(name string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{
			// Selects nothing: no endpoints are needed to have a name.
			Selector: map[string]string{"e2e.ownkube.io/selects": "nothing"},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}},
		},
	}
}

// headlessService is selector-less: its endpoints are the slices made by hand.
func headlessService(name string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone,
			Ports:     []corev1.ServicePort{{Name: "pg", Port: 5432, Protocol: corev1.ProtocolTCP}},
		},
	}
}

func endpointSlice(name, service string, eps ...discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: name, Labels: map[string]string{discoveryv1.LabelServiceName: service}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   eps,
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("pg"), Port: ptr.To[int32](5432), Protocol: ptr.To(corev1.ProtocolTCP)}},
	}
}

func endpoint(ip string, ready *bool) discoveryv1.Endpoint {
	return discoveryv1.Endpoint{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: ready}}
}

func createService(ctx SpecContext, ns string, svc *corev1.Service) *corev1.Service {
	GinkgoHelper()
	created, err := framework.Client().CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create Service %s/%s", ns, svc.Name)
	return created
}

func createPod(ctx SpecContext, ns string, pod *corev1.Pod) *corev1.Pod {
	GinkgoHelper()
	created, err := framework.Client().CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create pod %s/%s", ns, pod.Name)
	return created
}
