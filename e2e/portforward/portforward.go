package portforward

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/portforward"

	"github.com/ownkube/ownkube/e2e/framework"
)

const (
	// specTimeout bounds a whole spec.
	specTimeout = 2 * time.Minute
	// forwardTimeout bounds the wait for kubectl to say it forwards, and
	// for a forwarded request to be answered.
	forwardTimeout = 30 * time.Second
	// requestTimeout bounds one HTTP request through a forward.
	requestTimeout = 10 * time.Second
	// closedPort is a port the echo server does not listen on.
	closedPort = 9999
)

var _ = Describe("Port forwarding", Label("portforward", "stage7"), func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("portforward")
		framework.DeletePodsAfterSpec(ns)
	})

	Context("with kubectl port-forward pod/NAME", Label("kubectl"), func() {
		It("should forward a random local port to the pod, tunnelling SPDY over a websocket", func(ctx SpecContext) {
			pod := runEcho(ctx, ns, "web")
			fwd := startKubectlForward(ns, nil, "pod/"+pod.Name, fmt.Sprintf(":%d", framework.EchoPort))
			reply := eventuallyAsk(ctx, fwd)
			Expect(reply.Pod).To(Equal(pod.Name), "the echo server behind the forward names its pod")
			Expect(reply.Namespace).To(Equal(ns))
			Expect(fwd.stderr()).NotTo(ContainSubstring("fallback to secondary dialer"),
				"kubectl's websocket tunnel should be accepted, not fall back to SPDY")
		}, SpecTimeout(specTimeout))

		It("should carry several connections over one forward", func(ctx SpecContext) {
			pod := runEcho(ctx, ns, "many")
			fwd := startKubectlForward(ns, nil, "pod/"+pod.Name, fmt.Sprintf(":%d", framework.EchoPort))
			last := eventuallyAsk(ctx, fwd).Count
			for i := range 5 {
				By(fmt.Sprintf("asking again over a new connection (%d of 5)", i+1))
				reply, err := ask(ctx, fwd.local, fmt.Sprintf("/again-%d", i))
				Expect(err).NotTo(HaveOccurred(), "request %d through the forward; kubectl said:\n%s", i+1, fwd.output())
				Expect(reply.Pod).To(Equal(pod.Name))
				Expect(reply.Path).To(Equal(fmt.Sprintf("/again-%d", i)))
				Expect(reply.Count).To(BeNumerically(">", last), "the same echo server counts every request")
				last = reply.Count
			}
		}, SpecTimeout(specTimeout))

		It("should forward over SPDY when kubectl's websocket tunnel is turned off", func(ctx SpecContext) {
			pod := runEcho(ctx, ns, "spdy")
			fwd := startKubectlForward(ns, []string{"KUBECTL_PORT_FORWARD_WEBSOCKETS=false"}, "pod/"+pod.Name, fmt.Sprintf(":%d", framework.EchoPort))
			Expect(eventuallyAsk(ctx, fwd).Pod).To(Equal(pod.Name))
		}, SpecTimeout(specTimeout))
	})

	Context("with kubectl port-forward svc/NAME", Label("kubectl"), func() {
		It("should forward the Service's port to the target port of a pod it selects", func(ctx SpecContext) {
			pod := runEcho(ctx, ns, "backend")
			By("creating Service front: port 80 → target port 8080 of app=backend")
			svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "front"}, Spec: corev1.ServiceSpec{
				Selector: map[string]string{"app": pod.Name},
				Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(framework.EchoPort)}},
			}}
			_, err := framework.Client().CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred(), "create Service %s/front", ns)
			fwd := startKubectlForward(ns, nil, "svc/front", ":80")
			Expect(fwd.remote).To(Equal(framework.EchoPort), "kubectl maps the Service's port 80 to the pod's 8080")
			Expect(eventuallyAsk(ctx, fwd).Pod).To(Equal(pod.Name))
		}, SpecTimeout(specTimeout))
	})

	Context("when nothing listens on the forwarded port", Label("kubectl"), func() {
		It("should fail the connection, and kubectl should report the refusal and stop", func(ctx SpecContext) {
			pod := runEcho(ctx, ns, "deaf")
			fwd := startKubectlForward(ns, nil, "pod/"+pod.Name, fmt.Sprintf(":%d", closedPort))
			_, err := ask(ctx, fwd.local, "/")
			Expect(err).To(HaveOccurred(), "a request to port %d, where nothing listens, should fail", closedPort)
			Eventually(fwd.stderr).WithTimeout(forwardTimeout).WithPolling(200*time.Millisecond).Should(And(
				ContainSubstring(fmt.Sprintf("error forwarding port %d to pod", closedPort)),
				ContainSubstring("connection refused"),
				ContainSubstring("lost connection to pod")),
				"waiting for kubectl to report the refused connection to port %d and stop", closedPort)
		}, SpecTimeout(specTimeout))
	})

	Context("with client-go's port forwarder", func() {
		It("should forward through pods/portforward over a websocket tunnel", func(ctx SpecContext) {
			pod := runEcho(ctx, ns, "client")
			u := framework.Client().CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name(pod.Name).SubResource("portforward").URL()
			dialer, err := portforward.NewSPDYOverWebsocketDialer(u, framework.RESTConfig())
			Expect(err).NotTo(HaveOccurred())
			stop, ready := make(chan struct{}), make(chan struct{})
			pf, err := portforward.New(dialer, []string{"0:" + strconv.Itoa(framework.EchoPort)}, stop, ready, GinkgoWriter, GinkgoWriter)
			Expect(err).NotTo(HaveOccurred())
			done := make(chan error, 1)
			go func() { done <- pf.ForwardPorts() }()
			DeferCleanup(func() {
				close(stop)
				<-done
			})
			Eventually(ready).WithTimeout(forwardTimeout).Should(BeClosed(), "waiting for client-go's forwarder to listen")
			ports, err := pf.GetPorts()
			Expect(err).NotTo(HaveOccurred())
			Eventually(ctx, func(g Gomega) {
				reply, err := ask(ctx, int(ports[0].Local), "/")
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(reply.Pod).To(Equal(pod.Name))
			}).WithTimeout(forwardTimeout).Should(Succeed(), "waiting for the pod to answer through client-go's forward")
		}, SpecTimeout(specTimeout))

		// The API server answers it (given code) from the store alone.
		It("should refuse a pod that does not exist with NotFound", Label("store-only"), func(ctx SpecContext) {
			u := framework.Client().CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name("nowhere").SubResource("portforward").URL()
			dialer, err := portforward.NewSPDYOverWebsocketDialer(u, framework.RESTConfig())
			Expect(err).NotTo(HaveOccurred())
			_, _, err = dialer.Dial(portforward.PortForwardProtocolV1Name)
			Expect(err).To(MatchError(ContainSubstring(`pods "nowhere" not found`)))
		}, SpecTimeout(specTimeout))
	})
})

// runEcho runs an echo server pod on the suite's first node and waits until
// it is Running.
func runEcho(ctx context.Context, ns, name string) *corev1.Pod {
	GinkgoHelper()
	By("running echo server pod " + name)
	pod := framework.EchoPod(name)
	pod.Spec.NodeName = slices.Min(framework.Cluster().Nodes)
	_, err := framework.Client().CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create pod %s/%s", ns, name)
	return framework.WaitForPod(ctx, ns, name, framework.PodStartTimeout, "Running", func(g Gomega, p *corev1.Pod) {
		g.Expect(p.Status.Phase).To(Equal(corev1.PodRunning), framework.DescribePod(p))
	})
}

// kubectlForward is a running kubectl port-forward.
type kubectlForward struct {
	local, remote int
	out, errOut   *syncBuffer
}

func (f *kubectlForward) stderr() string { return f.errOut.String() }

func (f *kubectlForward) output() string {
	return "stdout:\n" + f.out.String() + "stderr:\n" + f.errOut.String()
}

// forwarding is kubectl's line once it listens: "Forwarding from
// 127.0.0.1:<local> -> <remote>".
var forwarding = regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)`)

// startKubectlForward runs stock kubectl port-forward with the suite's
// kubeconfig on a random local port of 127.0.0.1, and waits until it says
// it forwards. The spec's cleanup kills it.
func startKubectlForward(ns string, env []string, args ...string) *kubectlForward {
	GinkgoHelper()
	kubectl := framework.NewKubectl()
	runCtx, cancel := context.WithCancel(context.Background())
	// -v=4 shows whether kubectl fell back from its websocket tunnel to SPDY.
	cmd := kubectl.Command(runCtx, append([]string{"port-forward", "-n", ns, "--address=127.0.0.1", "-v=4"}, args...)...)
	cmd.Env = append(cmd.Env, env...)
	fwd := &kubectlForward{out: &syncBuffer{}, errOut: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = fwd.out, fwd.errOut
	By("running kubectl " + strings.Join(cmd.Args[1:], " "))
	Expect(cmd.Start()).To(Succeed(), "start kubectl port-forward")
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	DeferCleanup(func() {
		cancel() // kills kubectl
		<-exited
		GinkgoWriter.Printf("kubectl port-forward %s\n", fwd.output())
	})
	Eventually(func(g Gomega) {
		select {
		case err := <-exited:
			exited <- err
			StopTrying(fmt.Sprintf("kubectl port-forward exited (%v) before forwarding:\n%s", err, fwd.output())).Now()
		default:
		}
		m := forwarding.FindStringSubmatch(fwd.out.String())
		g.Expect(m).NotTo(BeNil(), "kubectl's output so far:\n%s", fwd.output())
		fwd.local, _ = strconv.Atoi(m[1])
		fwd.remote, _ = strconv.Atoi(m[2])
	}).WithTimeout(forwardTimeout).WithPolling(100*time.Millisecond).Should(Succeed(),
		"waiting for kubectl to print %q", "Forwarding from 127.0.0.1:NNNN -> PORT")
	return fwd
}

// eventuallyAsk asks the echo server behind the forward until it answers:
// a Running pod may not listen yet.
func eventuallyAsk(ctx context.Context, fwd *kubectlForward) framework.EchoReply {
	GinkgoHelper()
	var reply framework.EchoReply
	Eventually(ctx, func(g Gomega) {
		var err error
		reply, err = ask(ctx, fwd.local, "/")
		g.Expect(err).NotTo(HaveOccurred(), "kubectl port-forward so far:\n%s", fwd.output())
	}).WithTimeout(forwardTimeout).WithPolling(500*time.Millisecond).Should(Succeed(),
		"waiting for the echo server to answer through 127.0.0.1:%d", fwd.local)
	return reply
}

// ask GETs path of the echo server through local port local, over a new
// connection.
func ask(ctx context.Context, local int, path string) (framework.EchoReply, error) {
	var reply framework.EchoReply
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d%s", local, path), nil)
	if err != nil {
		return reply, err
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return reply, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply, fmt.Errorf("read the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return reply, fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
	if err := json.Unmarshal(body, &reply); err != nil {
		return reply, fmt.Errorf("the echo server's answer %q: %w", body, err)
	}
	return reply, nil
}

// syncBuffer collects a process's output while specs read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
