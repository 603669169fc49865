package services

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/e2e/framework"
)

// serviceLabels are the labels of every spec here.
var serviceLabels = Label("services", "stage7")

const (
	// specTimeout bounds a whole spec: a few pods started, probed from a
	// handful of probe containers, and removed, on a loaded machine.
	specTimeout = 4 * time.Minute
	// endpointsTimeout bounds the wait for Endpoints and slices to follow a
	// pod's change: a watch event and a write.
	endpointsTimeout = 30 * time.Second
	// trafficTimeout bounds the wait for traffic to follow: a forwarder
	// started or a proxy told of new endpoints, plus a probe container's
	// start for each look.
	trafficTimeout = 60 * time.Second
	// refusedWithin is how fast a connection to a Service without ready
	// endpoints must fail; the probe's own timeout is five times longer.
	refusedWithin = time.Second
	probeTimeout  = 5 * time.Second
	// flakyReadyFor is how long a turnsUnready pod stays ready: long enough
	// to see it in the endpoints and answering on a loaded machine.
	flakyReadyFor = 40 * time.Second
)

// backend is an echo pod labelled app=<app>, named name, with the named
// container port "http" and a readiness probe on path (every second).
func backend(app, name, path string, env ...corev1.EnvVar) *corev1.Pod {
	pod := framework.EchoPod(name, env...)
	pod.Labels = map[string]string{"app": app}
	pod.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString("http")}},
		PeriodSeconds: 1, FailureThreshold: 1,
	}
	return pod
}

// readyBackend turns ready within a second and stays ready.
func readyBackend(app, name string) *corev1.Pod { return backend(app, name, "/readyz") }

// neverReady never passes its readiness probe.
func neverReady(app, name string) *corev1.Pod {
	return backend(app, name, "/readyz", corev1.EnvVar{Name: "READY_AFTER", Value: "1h"})
}

// turnsUnready is ready at first and fails its readiness probe once after
// has passed since it started: its probe asks /healthz, which the echo
// server fails after $FAIL_LIVENESS_AFTER (no liveness probe: it is not
// restarted).
func turnsUnready(app, name string, after time.Duration) *corev1.Pod {
	return backend(app, name, "/healthz", corev1.EnvVar{Name: "FAIL_LIVENESS_AFTER", Value: after.String()})
}

// service is a Service selecting app=<app> on port 80 to the named port
// "http".
func service(app string, typ corev1.ServiceType) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: app},
		Spec: corev1.ServiceSpec{Type: typ, Selector: map[string]string{"app": app},
			Ports: []corev1.ServicePort{{Name: "web", Port: 80, TargetPort: intstr.FromString("http")}}},
	}
}

func createService(ctx context.Context, ns string, svc *corev1.Service) *corev1.Service {
	GinkgoHelper()
	created, err := framework.Client().CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create service %s/%s", ns, svc.Name)
	return created
}

// createPods creates pods and waits until each runs with an IP; it returns
// them by name.
func createPods(ctx context.Context, ns string, pods ...*corev1.Pod) map[string]*corev1.Pod {
	GinkgoHelper()
	out := map[string]*corev1.Pod{}
	for _, pod := range pods {
		_, err := framework.Client().CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred(), "create pod %s/%s", ns, pod.Name)
	}
	for _, pod := range pods {
		out[pod.Name] = framework.WaitForPod(ctx, ns, pod.Name, framework.PodStartTimeout, "Running with an IP",
			func(g Gomega, p *corev1.Pod) {
				g.Expect(p.Status.Phase).To(Equal(corev1.PodRunning), framework.DescribePod(p))
				g.Expect(p.Status.PodIP).NotTo(BeEmpty(), framework.DescribePod(p))
			})
	}
	return out
}

// endpointsView is who a Service's Endpoints and its managed slices list,
// by pod name.
type endpointsView struct {
	Ready, NotReady           []string // from the Endpoints
	SliceReady, SliceNotReady []string // from the EndpointSlices
}

// viewEndpoints reads the Endpoints and managed EndpointSlices of ns/svc,
// checking on the way what every address must carry: the pod's IP,
// node, targetRef and the pod's port 8080.
func viewEndpoints(ctx context.Context, g Gomega, ns, svc string, pods map[string]*corev1.Pod) endpointsView {
	var v endpointsView
	check := func(ip string, ref *corev1.ObjectReference, node *string) string {
		g.Expect(ref).NotTo(BeNil(), "address %s has no targetRef", ip)
		pod, ok := pods[ref.Name]
		g.Expect(ok).To(BeTrue(), "address %s names pod %s, which the spec did not create", ip, ref.Name)
		g.Expect(ref.Kind).To(Equal("Pod"))
		g.Expect(ip).To(Equal(pod.Status.PodIP), "address of pod %s", ref.Name)
		g.Expect(node).To(HaveValue(Equal(pod.Spec.NodeName)), "nodeName of pod %s", ref.Name)
		return ref.Name
	}
	ep, err := framework.Client().CoreV1().Endpoints(ns).Get(ctx, svc, metav1.GetOptions{})
	g.Expect(err).NotTo(HaveOccurred(), "get endpoints %s/%s", ns, svc)
	for _, s := range ep.Subsets {
		g.Expect(s.Ports).To(HaveLen(1))
		g.Expect(s.Ports[0].Port).To(BeEquivalentTo(framework.EchoPort), "the named targetPort resolved on the pods")
		for _, a := range s.Addresses {
			v.Ready = append(v.Ready, check(a.IP, a.TargetRef, a.NodeName))
		}
		for _, a := range s.NotReadyAddresses {
			v.NotReady = append(v.NotReady, check(a.IP, a.TargetRef, a.NodeName))
		}
	}
	list, err := framework.Client().DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{
		LabelSelector: discoveryv1.LabelServiceName + "=" + svc + "," + discoveryv1.LabelManagedBy + "=endpointslice-controller.k8s.io"})
	g.Expect(err).NotTo(HaveOccurred(), "list the endpointslices of %s/%s", ns, svc)
	g.Expect(list.Items).NotTo(BeEmpty(), "service %s/%s has no managed EndpointSlice", ns, svc)
	for _, s := range list.Items {
		g.Expect(s.OwnerReferences).To(ContainElement(HaveField("Kind", "Service")), "slice %s should be owned by its Service", s.Name)
		g.Expect(s.AddressType).To(Equal(discoveryv1.AddressTypeIPv4))
		for _, e := range s.Endpoints {
			g.Expect(e.Addresses).To(HaveLen(1))
			name := check(e.Addresses[0], e.TargetRef, e.NodeName)
			if e.Conditions.Ready != nil && *e.Conditions.Ready {
				v.SliceReady = append(v.SliceReady, name)
			} else {
				v.SliceNotReady = append(v.SliceNotReady, name)
			}
		}
	}
	for _, l := range []*[]string{&v.Ready, &v.NotReady, &v.SliceReady, &v.SliceNotReady} {
		slices.Sort(*l)
	}
	return v
}

// awaitEndpoints waits until the Endpoints and slices of ns/svc list ready
// and notReady (pod names), exactly.
func awaitEndpoints(ctx context.Context, ns, svc string, pods map[string]*corev1.Pod, ready, notReady []string) {
	GinkgoHelper()
	awaitEndpointsWithin(ctx, endpointsTimeout, ns, svc, pods, ready, notReady)
}

// awaitTurnedUnready is awaitEndpoints for the moment a turnsUnready pod
// fails its probe: up to flakyReadyFor from now, plus the usual wait.
func awaitTurnedUnready(ctx context.Context, ns, svc string, pods map[string]*corev1.Pod, ready, notReady []string) {
	GinkgoHelper()
	awaitEndpointsWithin(ctx, flakyReadyFor+endpointsTimeout, ns, svc, pods, ready, notReady)
}

func awaitEndpointsWithin(ctx context.Context, timeout time.Duration, ns, svc string, pods map[string]*corev1.Pod, ready, notReady []string) {
	GinkgoHelper()
	slices.Sort(ready)
	slices.Sort(notReady)
	Eventually(ctx, func(g Gomega) {
		framework.StopIfNotImplemented(ctx, ns, "the Endpoints of service "+svc+"")
		v := viewEndpoints(ctx, g, ns, svc, pods)
		g.Expect(v.Ready).To(Equal(orNil(ready)), "ready addresses of the Endpoints")
		g.Expect(v.NotReady).To(Equal(orNil(notReady)), "notReadyAddresses of the Endpoints")
		g.Expect(v.SliceReady).To(Equal(orNil(ready)), "ready endpoints of the EndpointSlices")
		g.Expect(v.SliceNotReady).To(Equal(orNil(notReady)), "not-ready endpoints of the EndpointSlices")
	}).WithTimeout(timeout).WithPolling(framework.Poll).Should(Succeed(),
		"waiting for the endpoints of %s/%s to list ready %v and not ready %v", ns, svc, ready, notReady)
}

func orNil(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// summary is what `probe repeat` prints.
type summary struct {
	Answers          map[string]int `json:"answers"`
	Failures         int            `json:"failures"`
	FirstError       string         `json:"firstError"`
	MaxFailureMillis float64        `json:"maxFailureMillis"`
	P99Millis        float64        `json:"p99Millis"`
}

// repeat GETs url count times from one probe container and returns who
// answered.
func repeat(ctx context.Context, g Gomega, url string, count int) summary {
	out, _, err := framework.Probe(ctx, "repeat", url, "-count", strconv.Itoa(count), "-timeout", probeTimeout.String())
	g.Expect(err).NotTo(HaveOccurred(), "run a probe of %s", url)
	var s summary
	g.Expect(json.Unmarshal([]byte(out), &s)).To(Succeed(), "the probe's summary %q", out)
	return s
}

// awaitAnswers waits until count requests to url, from one probe, all
// succeed and are answered by exactly the pods named.
func awaitAnswers(ctx context.Context, url string, count int, pods ...string) summary {
	GinkgoHelper()
	slices.Sort(pods)
	var last summary
	Eventually(ctx, func(g Gomega) {
		last = repeat(ctx, g, url, count)
		g.Expect(last.Failures).To(BeZero(), "failed requests to %s: %s", url, last.FirstError)
		var who []string
		for pod := range last.Answers {
			who = append(who, pod)
		}
		slices.Sort(who)
		g.Expect(who).To(Equal(pods), "pods that answered %d requests to %s: %v", count, url, last.Answers)
	}).WithTimeout(trafficTimeout).WithPolling(time.Second).Should(Succeed(),
		"waiting for %s to be answered by exactly %v", url, pods)
	return last
}

// url is http://ip:port/.
func url(ip string, port int32) string {
	return fmt.Sprintf("http://%s/", net.JoinHostPort(ip, strconv.Itoa(int(port))))
}

// nodeIPs are the InternalIPs of the cluster's nodes.
func nodeIPs(ctx context.Context) []string {
	GinkgoHelper()
	nodes, err := framework.Client().CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	Expect(err).NotTo(HaveOccurred(), "list nodes")
	var ips []string
	for _, n := range nodes.Items {
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP {
				ips = append(ips, a.Address)
			}
		}
	}
	Expect(ips).To(HaveLen(framework.NodeCount), "every node should report an InternalIP")
	return ips
}

// forwarders names the forwarder containers of the Services of namespace
// ns: read from Docker, as `ownkube status` shows them.
func forwarders(ctx context.Context, g Gomega, ns string) []string {
	list, err := framework.Docker().ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(
		filters.Arg("label", cluster.LabelCluster+"="+framework.Cluster().Name),
		filters.Arg("label", cluster.LabelComponent+"="+cluster.Forwarder),
		filters.Arg("label", cluster.LabelServiceNamespace+"="+ns))})
	g.Expect(err).NotTo(HaveOccurred(), "list forwarder containers")
	var names []string
	for _, c := range list {
		names = append(names, c.Names...)
	}
	return names
}
