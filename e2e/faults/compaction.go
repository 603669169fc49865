package faults

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/ownkube/ownkube/e2e/framework"
)

const (
	// compactionRounds is how many times the spec writes, compacts and
	// lets a held-back watcher come back.
	compactionRounds = 3
	// watchTimeout is the informer's watch length: short, so it watches
	// again, from its last resourceVersion, while the spec holds it back.
	watchTimeout = 2
)

var _ = Describe("Compaction under load", Label("faults", "disruptive", "stage3"), Serial, func() {
	It("should answer a watch from a compacted revision with 410, so an informer lists again and misses no change", func(ctx SpecContext) {
		ns := framework.NewNamespace("compaction")
		cms := framework.Client().CoreV1().ConfigMaps(ns)
		createConfigMaps(ctx, ns)
		start, err := cms.List(ctx, metav1.ListOptions{})
		Expect(err).NotTo(HaveOccurred())

		By("starting an informer whose watch the spec can hold back")
		w := newHeldWatcher(ns)
		informer := cache.NewSharedIndexInformer(w.listWatch(), &corev1.ConfigMap{}, 0, cache.Indexers{})
		infCtx, stop := context.WithCancel(ctx)
		DeferCleanup(stop)
		go informer.RunWithContext(infCtx)
		Expect(cache.WaitForCacheSync(ctx.Done(), informer.HasSynced)).To(BeTrue(), "the informer should sync")

		for round := range compactionRounds {
			By(fmt.Sprintf("round %d: holding the watcher back, changing every ConfigMap and deleting one, compacting etcd", round+1))
			lists := w.lists.Load()
			w.hold()
			// Past the informer's watch timeout: its next watch now waits.
			time.Sleep(2 * watchTimeout * time.Second)
			for i := range objects {
				_, err := cms.Patch(ctx, fmt.Sprintf("cm-%d", i), types.MergePatchType,
					[]byte(fmt.Sprintf(`{"data":{"round":"%d"}}`, round)), metav1.PatchOptions{})
				if !apierrors.IsNotFound(err) { // deleted in an earlier round
					Expect(err).NotTo(HaveOccurred(), "patch cm-%d", i)
				}
			}
			Expect(cms.Delete(ctx, fmt.Sprintf("cm-%d", round), metav1.DeleteOptions{})).To(Succeed())
			_, err := framework.CompactEtcd(ctx)
			Expect(err).NotTo(HaveOccurred())
			w.release()
			Eventually(w.lists.Load).WithContext(ctx).WithTimeout(recoverTimeout).WithPolling(framework.Poll).Should(BeNumerically(">", lists),
				"the watcher, back from a compacted revision, should be told 410 and list again")
		}

		By("seeing the informer hold exactly what the API holds")
		Eventually(ctx, func(g Gomega) {
			list, err := cms.List(ctx, metav1.ListOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(storeVersions(informer.GetStore())).To(Equal(versions(list.Items)))
		}).WithTimeout(recoverTimeout).WithPolling(framework.Poll).Should(Succeed(), "the informer's store against a fresh list")

		By("watching from the first list's resourceVersion, long compacted")
		events, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: start.ResourceVersion})
		Expect(err).NotTo(HaveOccurred())
		defer events.Stop()
		var first watch.Event
		Eventually(ctx, events.ResultChan()).WithTimeout(recoverTimeout).Should(Receive(&first))
		Expect(first.Type).To(Equal(watch.Error), "the first event of a watch from a compacted revision")
		status, ok := first.Object.(*metav1.Status)
		Expect(ok).To(BeTrue(), "an ERROR event carries a Status, got %T", first.Object)
		Expect(status.Code).To(BeEquivalentTo(410), "the Status: %+v", status)
	}, SpecTimeout(specTimeout))
})

// heldWatcher is a ConfigMap ListWatch whose watches last watchTimeout
// seconds and wait, while held, before they open: the informer then comes
// back from a resourceVersion etcd has compacted meanwhile. lists counts
// its lists, plain or streaming.
type heldWatcher struct {
	ns    string
	lists atomic.Int64
	gate  atomic.Pointer[chan struct{}]
}

func newHeldWatcher(ns string) *heldWatcher {
	w := &heldWatcher{ns: ns}
	open := make(chan struct{})
	close(open)
	w.gate.Store(&open)
	return w
}

func (w *heldWatcher) hold() {
	held := make(chan struct{})
	w.gate.Store(&held)
}

func (w *heldWatcher) release() { close(*w.gate.Load()) }

func (w *heldWatcher) listWatch() *cache.ListWatch {
	cms := framework.Client().CoreV1().ConfigMaps(w.ns)
	return &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			w.lists.Add(1)
			return cms.List(ctx, opts)
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			select {
			case <-*w.gate.Load():
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if opts.SendInitialEvents != nil && *opts.SendInitialEvents {
				w.lists.Add(1) // a streaming list: client-go's list by watch
			}
			opts.TimeoutSeconds = ptrTo(int64(watchTimeout))
			return cms.Watch(ctx, opts)
		},
	}
}

func storeVersions(store cache.Store) map[string]string {
	out := map[string]string{}
	for _, obj := range store.List() {
		cm := obj.(*corev1.ConfigMap)
		out[cm.Name] = cm.ResourceVersion
	}
	return out
}

func ptrTo[T any](v T) *T { return &v }
