package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

// Timeouts of the specs and of their waits: the API server answers in
// milliseconds, so a wait of seconds means something is wrong.
const (
	specTimeout = 60 * time.Second
	// waitTimeout bounds a wait for something the server does on its own
	// (namespace cleanup, garbage collection) or for a watch event.
	waitTimeout = 15 * time.Second
	// quietPeriod is how long a watch must stay silent to show it sends
	// nothing more.
	quietPeriod = time.Second
	poll        = 100 * time.Millisecond
)

// apiserverLabels are the labels of every spec here; kubectl's add "kubectl".
var apiserverLabels = Label("apiserver", "stage3")

// testImage is the image of the specs' pods. They are never run, so it
// only has to be a valid reference.
const testImage = "ownkube/echo:e2e"

// noScheduler is the spec.schedulerName of the specs' pods: a scheduler
// that does not exist. These specs test the API server; from stage 5 on,
// the cluster's scheduler would otherwise bind their pods and write their
// status, and kubelets would run them, racing every check made here.
const noScheduler = "e2e-no-scheduler"

// newPod is a minimal valid pod that no scheduler picks up.
func newPod(name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: corev1.PodSpec{
			SchedulerName: noScheduler,
			Containers:    []corev1.Container{{Name: "app", Image: testImage}},
		},
	}
}

// newConfigMap is a configmap with data.
func newConfigMap(name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: data}
}

// uniqueName is prefix-<random>, for cluster-scoped objects that other
// specs, running in parallel, must not collide with.
func uniqueName(prefix string) string { return prefix + "-" + utilrand.String(6) }

// deletePodsNowAfterSpec deletes the pods with grace period 0 after the
// spec. A pod with spec.nodeName waits for its kubelet on an ordinary
// delete, and there is no kubelet in stage 3: without this, the spec's
// namespace could never finish terminating. Call it before creating them,
// so that it runs after they exist and before the namespace goes.
func deletePodsNowAfterSpec(ns string, names ...string) {
	DeferCleanup(func(ctx SpecContext) {
		for _, name := range names {
			err := framework.Client().CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
			if !apierrors.IsNotFound(err) {
				Expect(err).NotTo(HaveOccurred(), "delete pod %s/%s with grace period 0", ns, name)
			}
		}
	}, NodeTimeout(30*time.Second))
}

// expectAPIError checks that err is the API error of a Status with this
// code and reason, and a message a user can act on.
func expectAPIError(err error, code int32, reason metav1.StatusReason) {
	GinkgoHelper()
	Expect(err).To(HaveOccurred(), "expected a %d %s error", code, reason)
	var status apierrors.APIStatus
	Expect(errors.As(err, &status)).To(BeTrue(), "the error is no API Status: %v", err)
	s := status.Status()
	Expect(s.Code).To(Equal(code), "status code of %q", s.Message)
	Expect(s.Reason).To(Equal(reason), "status reason of %q", s.Message)
	Expect(s.Message).NotTo(BeEmpty(), "the Status carries no message")
}

// nextEvent waits for the watch's next event.
func nextEvent(ctx context.Context, w watch.Interface, awaited string) watch.Event {
	GinkgoHelper()
	var ev watch.Event
	Eventually(ctx, w.ResultChan()).WithTimeout(waitTimeout).Should(Receive(&ev), "waiting for a watch event: %s", awaited)
	return ev
}

// expectEvent waits for the watch's next event and checks its type and
// the name of its object.
func expectEvent(ctx context.Context, w watch.Interface, typ watch.EventType, name string) watch.Event {
	GinkgoHelper()
	ev := nextEvent(ctx, w, fmt.Sprintf("%s of %s", typ, name))
	Expect(ev.Type).To(Equal(typ), "the event after which %s of %s was expected: %s", typ, name, describeEvent(ev))
	Expect(nameOf(ev.Object)).To(Equal(name), "the object of event %s", describeEvent(ev))
	return ev
}

// expectQuiet checks the watch sends nothing for a while and stays open.
// (Gomega's Receive matcher gives up on a closed channel, so
// Consistently(ch).ShouldNot(Receive()) would pass at once on a watch that
// closed: this checks both.)
func expectQuiet(w watch.Interface) {
	GinkgoHelper()
	ch := w.ResultChan()
	Consistently(func() error {
		select {
		case ev, open := <-ch:
			if !open {
				return errors.New("the watch closed")
			}
			return fmt.Errorf("the watch sent %s", describeEvents([]watch.Event{ev}))
		default:
			return nil
		}
	}).WithTimeout(quietPeriod).WithPolling(10*time.Millisecond).Should(Succeed(), "the watch should stay open and send nothing more")
}

// collectEvents reads events until one for each object in until (by
// refOf) has arrived, and returns every event read, in order.
func collectEvents(ctx context.Context, w watch.Interface, until []string) []watch.Event {
	GinkgoHelper()
	missing := map[string]bool{}
	for _, n := range until {
		missing[n] = true
	}
	var got []watch.Event
	for len(missing) > 0 {
		ev := nextEvent(ctx, w, fmt.Sprintf("events of %v (have %s)", keys(missing), describeEvents(got)))
		got = append(got, ev)
		delete(missing, refOf(ev.Object))
	}
	return got
}

// refOf is namespace/name of an object, or /name of a cluster-scoped one.
func refOf(obj runtime.Object) string {
	m, err := meta.Accessor(obj)
	if err != nil {
		return fmt.Sprintf("(%T)", obj)
	}
	return m.GetNamespace() + "/" + m.GetName()
}

func nameOf(obj runtime.Object) string {
	m, err := meta.Accessor(obj)
	if err != nil {
		return fmt.Sprintf("(%T)", obj)
	}
	return m.GetName()
}

func resourceVersionOf(obj runtime.Object) string {
	m, err := meta.Accessor(obj)
	if err != nil {
		return ""
	}
	return m.GetResourceVersion()
}

func describeEvent(ev watch.Event) string {
	if s, ok := ev.Object.(*metav1.Status); ok {
		return fmt.Sprintf("%s %d %s %q", ev.Type, s.Code, s.Reason, s.Message)
	}
	return fmt.Sprintf("%s %s@%s", ev.Type, refOf(ev.Object), resourceVersionOf(ev.Object))
}

func describeEvents(evs []watch.Event) string {
	parts := make([]string, len(evs))
	for i, ev := range evs {
		parts[i] = describeEvent(ev)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// answer is the reply to one raw HTTP request.
type answer struct {
	code   int
	body   []byte
	status *metav1.Status // the body as a Status, when it is one
}

func (a answer) String() string {
	body := string(a.body)
	if len(body) > 500 {
		body = body[:500] + "…"
	}
	return fmt.Sprintf("HTTP %d: %s", a.code, body)
}

// rawRequest sends one request to the API server as it is, for the specs
// where the bytes on the wire are the point: no client-go encoding.
func rawRequest(ctx context.Context, method, path, contentType string, body []byte) answer {
	GinkgoHelper()
	req, err := http.NewRequestWithContext(ctx, method, framework.Cluster().APIServerURL+path, bytes.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	// The suite's TLS credentials (the CA, the admin's certificate), with
	// none of client-go's encoding or rate limits.
	client, err := rest.HTTPClientFor(framework.RESTConfig())
	Expect(err).NotTo(HaveOccurred())
	client.Timeout = 30 * time.Second
	resp, err := client.Do(req)
	Expect(err).NotTo(HaveOccurred(), "%s %s", method, path)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred(), "read the answer to %s %s", method, path)
	a := answer{code: resp.StatusCode, body: data}
	var s metav1.Status
	if json.Unmarshal(data, &s) == nil && s.Kind == "Status" {
		a.status = &s
	}
	return a
}

// expectStatusAnswer checks a raw answer is a Status of this code and
// reason, with a message.
func expectStatusAnswer(a answer, code int, reason metav1.StatusReason) {
	GinkgoHelper()
	Expect(a.status).NotTo(BeNil(), "the answer should be a metav1.Status: %s", a)
	Expect(a.code).To(Equal(code), "HTTP status of %s", a)
	Expect(int(a.status.Code)).To(Equal(code), "the Status's code in %s", a)
	Expect(a.status.Reason).To(Equal(reason), "the Status's reason in %s", a)
	Expect(a.status.Message).NotTo(BeEmpty(), "the Status's message in %s", a)
}

// entry is a table Entry with the timeout every spec carries; Ginkgo takes
// a SpecTimeout on entries, not on their DescribeTable.
func entry(description string, args ...any) TableEntry {
	GinkgoHelper()
	return Entry(description, append(args, SpecTimeout(specTimeout))...)
}
