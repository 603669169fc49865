package apiserver_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

// TestInformersSyncThroughTheStreamingList proves the watch-list protocol
// client-go's informers use by default: without the initial-events-end
// bookmark they would never sync, and every controller would hang.
func TestInformersSyncThroughTheStreamingList(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := apiservertest.Start(t, apiservertest.Options{})
	var streamed atomic.Bool
	cfg := rest.CopyConfig(s.Config)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if r.URL.Query().Get("sendInitialEvents") == "true" {
				streamed.Store(true)
			}
			return rt.RoundTrip(r)
		})
	})
	c := kubernetes.NewForConfigOrDie(cfg)
	_, err := c.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "before"}}, metav1.CreateOptions{})
	must(t, err)
	factory := informers.NewSharedInformerFactory(c, 0)
	informer := factory.Core().V1().ConfigMaps().Informer()
	added := make(chan string, 10)
	_, err = informer.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(obj any) { added <- obj.(*corev1.ConfigMap).Name }})
	must(t, err)
	factory.Start(ctx.Done())
	defer func() {
		cancel() // stops the informers, for which Shutdown waits
		factory.Shutdown()
	}()
	if !cache.WaitForCacheSync(ctx.Done(), informer.HasSynced) {
		t.Fatal("the informer did not sync within 30s")
	}
	if !streamed.Load() {
		t.Fatal("the informer synced without asking for a streaming list: this test proves nothing")
	}
	_, err = c.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "after"}}, metav1.CreateOptions{})
	must(t, err)
	for _, want := range []string{"before", "after"} {
		select {
		case got := <-added:
			if got != want {
				t.Fatalf("added %s, want %s", got, want)
			}
		case <-ctx.Done():
			t.Fatalf("the informer never saw %s", want)
		}
	}
}

func TestAWatchFromACompactedRevisionIsExpired(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := apiservertest.Start(t, apiservertest.Options{CompactionInterval: 200 * time.Millisecond})
	cms := s.Client.CoreV1().ConfigMaps("default")
	cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "old"}}, metav1.CreateOptions{})
	must(t, err)
	for i := 0; i < 3; i++ {
		cm.Data = map[string]string{"i": string(rune('a' + i))}
		cm, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
		must(t, err)
	}
	eventually(t, "the first revision is compacted", func() bool {
		w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: "2"})
		if err != nil {
			return false
		}
		defer w.Stop()
		ev := <-w.ResultChan()
		return ev.Type == watch.Error && apierrors.IsResourceExpired(apierrors.FromObject(ev.Object))
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
