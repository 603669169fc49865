package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("Informers", apiserverLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("informer")
	})

	It("should sync through the streaming list and then see every change", func(ctx SpecContext) {
		By("counting the streaming lists the informer asks for")
		var streamed atomic.Int32
		cfg := rest.CopyConfig(framework.RESTConfig())
		cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
			return roundTripFunc(func(r *http.Request) (*http.Response, error) {
				if r.URL.Query().Get("sendInitialEvents") == "true" {
					streamed.Add(1)
				}
				return rt.RoundTrip(r)
			})
		})
		client, err := kubernetes.NewForConfig(cfg)
		Expect(err).NotTo(HaveOccurred())
		cms := client.CoreV1().ConfigMaps(ns)

		_, err = cms.Create(ctx, newConfigMap("before", map[string]string{"v": "1"}), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())

		By("starting a shared informer factory with default settings")
		factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(ns))
		informer := factory.Core().V1().ConfigMaps()
		var seen changes
		registration, err := informer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc: func(obj any) { seen.add("add", obj.(*corev1.ConfigMap)) },
			UpdateFunc: func(_, obj any) {
				seen.add("update", obj.(*corev1.ConfigMap))
			},
			DeleteFunc: func(obj any) {
				if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
					obj = tomb.Obj
				}
				seen.add("delete", obj.(*corev1.ConfigMap))
			},
		})
		Expect(err).NotTo(HaveOccurred())
		stop, cancel := context.WithCancel(context.Background())
		factory.Start(stop.Done())
		DeferCleanup(func() {
			cancel() // ends the informers, for which Shutdown waits
			factory.Shutdown()
		})

		// The registration has synced once its handlers were told of
		// everything the informer's initial list held.
		Eventually(ctx, registration.HasSynced).WithTimeout(waitTimeout).WithPolling(poll).Should(BeTrue(),
			"waiting for the configmap informer and its handlers to sync")
		Expect(streamed.Load()).To(BeNumerically(">", 0), "the informer synced without a streaming list (sendInitialEvents=true): this spec would prove nothing about it")
		Expect(informer.Lister().ConfigMaps(ns).Get("before")).To(HaveField("Data", HaveKeyWithValue("v", "1")),
			"the synced cache should hold the configmap created before the informer started")
		Expect(seen.list()).To(Equal([]string{"add before v=1"}), "the handlers should have been told of the configmap that was there")

		By("creating, updating and deleting configmaps")
		_, err = cms.Create(ctx, newConfigMap("after", map[string]string{"v": "1"}), metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		_, err = cms.Patch(ctx, "before", types.MergePatchType, []byte(`{"data":{"v":"2"}}`), metav1.PatchOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(cms.Delete(ctx, "after", metav1.DeleteOptions{})).To(Succeed())

		Eventually(ctx, seen.list).WithTimeout(waitTimeout).WithPolling(poll).Should(
			Equal([]string{"add before v=1", "add after v=1", "update before v=2", "delete after v=1"}),
			"waiting for the informer's handlers to see the add, update and delete in order")
		Eventually(ctx, func(g Gomega) {
			cached, err := informer.Lister().ConfigMaps(ns).List(labels.Everything())
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(cached).To(HaveLen(1))
			g.Expect(cached[0].Name).To(Equal("before"))
			g.Expect(cached[0].Data).To(HaveKeyWithValue("v", "2"))
		}).WithTimeout(waitTimeout).WithPolling(poll).Should(Succeed(), "waiting for the informer's cache to hold only configmap before, updated")
	}, SpecTimeout(specTimeout))
})

// changes records what an informer's handlers were told, in order.
type changes struct {
	mu   sync.Mutex
	seen []string
}

func (c *changes) add(what string, cm *corev1.ConfigMap) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = append(c.seen, fmt.Sprintf("%s %s v=%s", what, cm.Name, cm.Data["v"]))
}

func (c *changes) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.seen...)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
