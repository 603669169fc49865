package nodes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("Container images", nodesLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("images")
		framework.DeletePodsAfterSpec(ns)
	})

	Context("when a container's image is not on the node", func() {
		It("should leave it waiting with ErrImageNeverPull, and never try to pull it", func(ctx SpecContext) {
			// On an engine without a registry every pull fails and leaves no
			// trace, so "nothing was pulled" proves nothing. The image is named
			// after a registry this spec runs on loopback, which Docker treats
			// as insecure and so asks over plain HTTP: any pull of it, by the
			// kubelet or anyone, reaches the trap.
			trap := startPullTrap()
			By("proving that a pull of the trap's name reaches it")
			trap.expectReachable(ctx)

			started := time.Now()
			pod := framework.EchoPod("missing")
			pod.Spec.Containers[0].Image = trap.image
			created := create(ctx, ns, bindToNode(pod))

			neverPull := func(g Gomega, pod *corev1.Pod) {
				g.Expect(pod.Status.Phase).To(Equal(corev1.PodPending), framework.DescribePod(pod))
				cs := appStatus(g, pod)
				g.Expect(cs.State.Waiting).NotTo(BeNil(), framework.DescribePod(pod))
				g.Expect(cs.State.Waiting.Reason).To(Equal("ErrImageNeverPull"))
				g.Expect(cs.RestartCount).To(BeZero())
				g.Expect(cs.Image).To(Equal(trap.image), "the container's image is reported as given")
			}
			framework.WaitForPod(ctx, ns, "missing", framework.PodStartTimeout, "container app waiting with ErrImageNeverPull", neverPull)
			Consistently(ctx, func(g Gomega) {
				pod, err := framework.Client().CoreV1().Pods(ns).Get(ctx, "missing", metav1.GetOptions{})
				g.Expect(err).NotTo(HaveOccurred())
				neverPull(g, pod)
			}).WithTimeout(quietPeriod).WithPolling(framework.Poll).Should(Succeed(), "the pod should stay waiting with ErrImageNeverPull")

			By("finding no app container in Docker, no pull tried, and no pull in the engine's events")
			containers, err := framework.PodContainers(ctx, created.UID)
			Expect(err).NotTo(HaveOccurred())
			Expect(containers).NotTo(ContainElement(WithTransform(framework.ContainerName, Equal("app"))),
				"no container can be made of a missing image")
			Expect(trap.requests()).To(BeEmpty(), "the node pulled image %s: a cluster that never pulls must not try", trap.image)
			images := []string{trap.image}
			for _, c := range containers {
				images = append(images, c.Image)
			}
			Expect(pulls(ctx, started)).NotTo(ContainElement(BeElementOf(images)), "the engine pulled an image of pod missing")
		}, SpecTimeout(specTimeout))
	})

	Context("when a container's image is on the node", func() {
		It("should run the image by the reference given, pulling nothing", func(ctx SpecContext) {
			started := time.Now()
			created := create(ctx, ns, bindToNode(framework.EchoPod("present")))
			pod := waitRunning(ctx, ns, "present")
			Expect(appStatus(Default, pod).Image).To(Equal(framework.EchoImage), "the container's image is reported as given")

			containers, err := framework.PodContainers(ctx, created.UID)
			Expect(err).NotTo(HaveOccurred())
			i := slices.IndexFunc(containers, func(c container.Summary) bool { return framework.ContainerName(c) == "app" })
			Expect(i).NotTo(BeNumerically("<", 0), "pod present has an app container in Docker")
			Expect(containers[i].Image).To(Equal(framework.EchoImage),
				"the app container is created from the image reference in the pod's spec, unchanged")
			var images []string
			for _, c := range containers {
				images = append(images, c.Image)
			}
			Expect(pulls(ctx, started)).NotTo(ContainElement(BeElementOf(images)), "the engine pulled an image of pod present")
		}, SpecTimeout(specTimeout))
	})
})

// pullTrap is a registry on loopback that serves nothing and records every
// request, so that a pull of an image named after it can be seen.
type pullTrap struct {
	image string
	mu    sync.Mutex
	paths []string
}

// startPullTrap starts a trap that is closed after the spec.
func startPullTrap() *pullTrap {
	t := &pullTrap{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.mu.Lock()
		t.paths = append(t.paths, r.Method+" "+r.URL.Path)
		t.mu.Unlock()
		http.NotFound(w, r)
	}))
	srv.Start()
	DeferCleanup(srv.Close)
	host, port, err := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	Expect(err).NotTo(HaveOccurred(), "address of the pull trap %s", srv.URL)
	t.image = net.JoinHostPort(host, port) + "/ownkube/does-not-exist:never"
	return t
}

// expectReachable pulls the trap's image once and expects the trap to see
// it; then it forgets the request. An engine that does not share this
// process's loopback could not show a node's pull, and the spec says so.
func (t *pullTrap) expectReachable(ctx context.Context) {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	rc, err := framework.Docker().ImagePull(ctx, t.image, image.PullOptions{})
	if err == nil { // the daemon reports the failure in the stream, once it has asked
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
	}
	Expect(t.requests()).NotTo(BeEmpty(),
		"the engine did not reach the pull trap at %s (pull: %v): it does not share this host's loopback, so a pull by a node could not be seen", t.image, err)
	t.mu.Lock()
	t.paths = nil
	t.mu.Unlock()
}

func (t *pullTrap) requests() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.paths)
}

// pulls returns the images the engine reports pulled since since.
func pulls(ctx context.Context, since time.Time) []string {
	GinkgoHelper()
	f := filters.NewArgs(filters.Arg("type", string(events.ImageEventType)), filters.Arg("event", string(events.ActionPull)))
	msgs, errs := framework.Docker().Events(ctx, events.ListOptions{
		Since: unixTime(since.Add(-time.Second)), Until: unixTime(time.Now()), Filters: f})
	var pulled []string
	for {
		select {
		case m := <-msgs:
			pulled = append(pulled, m.Actor.ID, m.Actor.Attributes["name"])
		case err := <-errs:
			if !errors.Is(err, io.EOF) { // the stream ends at Until
				Expect(err).NotTo(HaveOccurred(), "read the engine's image events")
			}
			return pulled
		case <-ctx.Done():
			Fail("reading the engine's image events: " + ctx.Err().Error())
		}
	}
}

// unixTime is t as the engine's event filters take it: seconds.nanoseconds.
func unixTime(t time.Time) string { return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond()) }
