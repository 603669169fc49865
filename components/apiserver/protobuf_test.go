package apiserver_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

// TestClientsThatPreferProtobufGetIt drives reads, writes and a watch with
// a client that asks for protobuf only, as Kubernetes' own components do,
// and checks the server really answered in protobuf.
func TestClientsThatPreferProtobufGetIt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := apiservertest.Start(t, apiservertest.Options{})
	var seen []string
	cfg := rest.CopyConfig(s.Config)
	cfg.ContentType, cfg.AcceptContentTypes = runtime.ContentTypeProtobuf, runtime.ContentTypeProtobuf
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := rt.RoundTrip(r)
			if err == nil {
				seen = append(seen, resp.Header.Get("Content-Type"))
			}
			return resp, err
		})
	})
	c := kubernetes.NewForConfigOrDie(cfg)
	pods := c.CoreV1().Pods("default")
	w, err := pods.Watch(ctx, metav1.ListOptions{})
	must(t, err)
	defer w.Stop()
	_, err = pods.Create(ctx, newPod("pb", map[string]string{"a": "b"}), metav1.CreateOptions{})
	must(t, err)
	list, err := pods.List(ctx, metav1.ListOptions{})
	must(t, err)
	if len(list.Items) != 1 || list.Items[0].Labels["a"] != "b" {
		t.Fatalf("list: %+v", list.Items)
	}
	select {
	case ev := <-w.ResultChan():
		if ev.Type != watch.Added || ev.Object.(*corev1.Pod).Name != "pb" {
			t.Fatalf("watch: %s %v", ev.Type, ev.Object)
		}
	case <-ctx.Done():
		t.Fatal("no watch event")
	}
	for _, ct := range seen {
		if ct != runtime.ContentTypeProtobuf && ct != runtime.ContentTypeProtobuf+";stream=watch" {
			t.Fatalf("answered in %q, not protobuf (all: %v)", ct, seen)
		}
	}
}
