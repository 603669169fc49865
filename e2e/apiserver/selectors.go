package apiserver

import (
	"context"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

var (
	podsGVR   = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	eventsGVR = schema.GroupVersionResource{Version: "v1", Resource: "events"}
)

var _ = Describe("Selectors", apiserverLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("selectors")
	})

	Context("on labels", func() {
		var fixture []string

		BeforeEach(func(ctx SpecContext) {
			fixture = createPods(ctx, ns, map[string]map[string]string{
				"a": {"app": "web", "tier": "front"},
				"b": {"app": "web", "tier": "back"},
				"c": {"app": "db"},
				"d": nil,
			})
		}, NodeTimeout(specTimeout))

		DescribeTable("should pick out the matching pods on list and on watch",
			func(ctx SpecContext, selector string, want ...string) {
				expectSelection(ctx, podsGVR, ns, metav1.ListOptions{LabelSelector: selector}, fixture, refs(ns, want...))
			},
			entry("with =", "app=web", "a", "b"),
			entry("with !=, which matches pods without the label too", "app!=web", "c", "d"),
			entry("with in", "app in (web,db)", "a", "b", "c"),
			entry("with notin, which matches pods without the label too", "tier notin (front)", "b", "c", "d"),
			entry("with exists", "tier", "a", "b"),
			entry("with does not exist", "!tier", "c", "d"),
			entry("with several requirements, all of which must hold", "app=web,tier!=front", "b"),
		)
	})

	Context("on fields of pods", func() {
		var fixture []string

		BeforeEach(func(ctx SpecContext) {
			By("creating pods on nodes, a Running one and a Pending one")
			deletePodsNowAfterSpec(ns, "alpha", "beta")
			pods := framework.Client().CoreV1().Pods(ns)
			for name, node := range map[string]string{"alpha": "e2e-node-a", "beta": "e2e-node-b"} {
				pod := newPod(name, nil)
				pod.Spec.NodeName = node
				_, err := pods.Create(ctx, pod, metav1.CreateOptions{})
				Expect(err).NotTo(HaveOccurred(), "create pod %s on %s", name, node)
			}
			fixture = append(refs(ns, "alpha", "beta"), createPods(ctx, ns, map[string]map[string]string{"gamma": nil, "delta": nil})...)
			gamma, err := pods.Get(ctx, "gamma", metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred())
			gamma.Status.Phase = corev1.PodRunning
			_, err = pods.UpdateStatus(ctx, gamma, metav1.UpdateOptions{})
			Expect(err).NotTo(HaveOccurred(), "set pod gamma Running")

			By("creating a pod of the same name in another namespace")
			other := framework.NewNamespace("selectors-other")
			fixture = append(fixture, createPods(ctx, other, map[string]map[string]string{"alpha": nil})...)
		}, NodeTimeout(specTimeout))

		DescribeTable("should pick out the matching pods on list and on watch",
			func(ctx SpecContext, selector string, want ...string) {
				expectSelection(ctx, podsGVR, ns, metav1.ListOptions{FieldSelector: selector}, fixture, refs(ns, want...))
			},
			entry("by metadata.name", "metadata.name=beta", "beta"),
			entry("by metadata.name with !=", "metadata.name!=beta", "alpha", "gamma", "delta"),
			entry("by spec.nodeName", "spec.nodeName=e2e-node-a", "alpha"),
			entry("by an empty spec.nodeName: the unscheduled pods", "spec.nodeName=", "gamma", "delta"),
			entry("by status.phase", "status.phase=Running", "gamma"),
			entry("by status.phase with !=", "status.phase!=Running", "alpha", "beta", "delta"),
			entry("by several fields, all of which must hold", "status.phase=Pending,spec.nodeName!=e2e-node-a", "beta", "delta"),
		)

		It("should pick out the pods of one namespace from a list and watch of all namespaces by metadata.namespace", func(ctx SpecContext) {
			expectSelection(ctx, podsGVR, metav1.NamespaceAll, metav1.ListOptions{FieldSelector: "metadata.namespace=" + ns},
				fixture, refs(ns, "alpha", "beta", "gamma", "delta"))
		}, SpecTimeout(specTimeout))
	})

	Context("on fields of events", func() {
		It("should pick out the events about one object by involvedObject.name on list and on watch", func(ctx SpecContext) {
			events := framework.Client().CoreV1().Events(ns)
			for name, about := range map[string]string{"ev-1": "alpha", "ev-2": "alpha", "ev-3": "beta"} {
				_, err := events.Create(ctx, &corev1.Event{
					ObjectMeta:     metav1.ObjectMeta{Name: name},
					InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: about},
					Reason:         "Testing", Message: "an event about " + about, Type: corev1.EventTypeNormal,
				}, metav1.CreateOptions{})
				Expect(err).NotTo(HaveOccurred(), "create event %s", name)
			}
			expectSelection(ctx, eventsGVR, ns, metav1.ListOptions{FieldSelector: "involvedObject.name=alpha"},
				refs(ns, "ev-1", "ev-2", "ev-3"), refs(ns, "ev-1", "ev-2"))
		}, SpecTimeout(specTimeout))
	})

	Context("when a field selector names a field the kind does not offer", func() {
		It("should refuse the list and the watch with 400 BadRequest", func(ctx SpecContext) {
			pods := framework.Client().CoreV1().Pods(ns)
			opts := metav1.ListOptions{FieldSelector: "spec.image=" + testImage}
			_, err := pods.List(ctx, opts)
			expectAPIError(err, 400, metav1.StatusReasonBadRequest)
			Expect(err.Error()).To(ContainSubstring("spec.image"), "the message should name the field")
			_, err = pods.Watch(ctx, opts)
			expectAPIError(err, 400, metav1.StatusReasonBadRequest)
			_, err = framework.Client().CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.color=red"})
			expectAPIError(err, 400, metav1.StatusReasonBadRequest)
		}, SpecTimeout(specTimeout))
	})
})

// createPods creates pods with these labels and returns their refs.
func createPods(ctx context.Context, ns string, pods map[string]map[string]string) []string {
	GinkgoHelper()
	var created []string
	for name, labels := range pods {
		pod, err := framework.Client().CoreV1().Pods(ns).Create(ctx, newPod(name, labels), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred(), "create pod %s/%s", ns, name)
		created = append(created, ns+"/"+pod.Name)
	}
	return created
}

// refs is namespace/name of each name.
func refs(ns string, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = ns + "/" + n
	}
	return out
}

// expectSelection checks that a selector picks exactly want out of the
// fixture objects of gvr (namespace/name), in the three ways a client
// reads: a list, a watch's initial events (the streaming list informers
// use), and a watch of changes from the list's resourceVersion.
func expectSelection(ctx context.Context, gvr schema.GroupVersionResource, namespace string, sel metav1.ListOptions, fixture, want []string) {
	GinkgoHelper()
	res := framework.DynamicClient().Resource(gvr).Namespace(namespace)
	what := strings.TrimSpace(sel.LabelSelector + " " + sel.FieldSelector)

	By("listing " + gvr.Resource + " with " + what)
	list, err := res.List(ctx, sel)
	Expect(err).NotTo(HaveOccurred())
	var listed []string
	for i := range list.Items {
		listed = append(listed, refOf(&list.Items[i]))
	}
	Expect(listed).To(ConsistOf(want), "the list with %s", what)

	By("watching " + gvr.Resource + " with " + what + " from its initial events")
	initial := sel
	initial.SendInitialEvents = ptr.To(true)
	initial.AllowWatchBookmarks = true
	initial.ResourceVersionMatch = metav1.ResourceVersionMatchNotOlderThan
	w, err := res.Watch(ctx, initial)
	Expect(err).NotTo(HaveOccurred())
	defer w.Stop()
	var streamed []string
	for {
		ev := nextEvent(ctx, w, "the initial events with "+what+", up to the bookmark that ends them")
		if ev.Type == watch.Bookmark {
			Expect(ev.Object.(*unstructured.Unstructured).GetAnnotations()).To(HaveKeyWithValue(metav1.InitialEventsAnnotationKey, "true"),
				"the bookmark after the initial events")
			break
		}
		Expect(ev.Type).To(Equal(watch.Added), "an initial event: %s", describeEvent(ev))
		streamed = append(streamed, refOf(ev.Object))
	}
	Expect(streamed).To(ConsistOf(want), "the initial events of the watch with %s", what)

	By("watching " + gvr.Resource + " with " + what + " from the list's resourceVersion while every object is touched")
	from := sel
	from.ResourceVersion = list.GetResourceVersion()
	changes, err := res.Watch(ctx, from)
	Expect(err).NotTo(HaveOccurred())
	defer changes.Stop()
	// The objects left out are touched first: once an event of every
	// selected one has arrived, an event of any other would be among them.
	touch := append(without(fixture, want), want...)
	for _, ref := range touch {
		refNS, name, _ := strings.Cut(ref, "/")
		_, err := framework.DynamicClient().Resource(gvr).Namespace(refNS).Patch(ctx, name, types.MergePatchType,
			[]byte(`{"metadata":{"annotations":{"e2e.ownkube.io/touched":"`+utilrand.String(5)+`"}}}`), metav1.PatchOptions{})
		Expect(err).NotTo(HaveOccurred(), "touch %s %s", gvr.Resource, ref)
	}
	var seen []string
	for _, ev := range collectEvents(ctx, changes, want) {
		Expect(ev.Type).To(Equal(watch.Modified), "a change with %s: %s", what, describeEvent(ev))
		seen = append(seen, refOf(ev.Object))
	}
	Expect(seen).To(ConsistOf(want), "the changes the watch with %s sent", what)
}

func without(list, drop []string) []string {
	var out []string
	for _, v := range list {
		keep := true
		for _, d := range drop {
			keep = keep && v != d
		}
		if keep {
			out = append(out, v)
		}
	}
	return out
}
