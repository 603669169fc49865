package storage_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ownkube/ownkube/components/api"
	"github.com/ownkube/ownkube/components/etcd/etcdtest"
	"github.com/ownkube/ownkube/components/storage"
)

var configmaps, _ = api.Lookup(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"})

func configMap(name, value string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Data: map[string]string{"k": value}}
}

func TestKeysFollowKubernetesLayout(t *testing.T) {
	deployments, _ := api.Lookup(schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"})
	nodes, _ := api.Lookup(schema.GroupVersionResource{Version: "v1", Resource: "nodes"})
	for _, c := range []struct{ got, want string }{
		{storage.Key(configmaps, "default", "a"), "/registry/configmaps/default/a"},
		{storage.Key(nodes, "", "n1"), "/registry/nodes/n1"},
		{storage.Key(deployments, "ns", "d"), "/registry/apps/deployments/ns/d"},
		{storage.Prefix(configmaps, ""), "/registry/configmaps/"},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}

func TestObjectsRoundTripWithTheirRevisionAsResourceVersion(t *testing.T) {
	ctx, s := context.Background(), storage.New(etcdtest.Start(t).Client)
	created, err := s.Create(ctx, configmaps, configMap("a", "1"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, configmaps, "default", "a")
	if err != nil {
		t.Fatal(err)
	}
	cm := got.(*corev1.ConfigMap)
	if cm.ResourceVersion != created.(*corev1.ConfigMap).ResourceVersion || cm.Data["k"] != "1" || cm.Kind != "ConfigMap" || cm.APIVersion != "v1" {
		t.Fatalf("read back %+v", cm)
	}
	if _, err := s.Create(ctx, configmaps, configMap("a", "2")); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create: %v, want AlreadyExists", err)
	}
	stale := cm.DeepCopy()
	cm.Data["k"] = "2"
	if _, err := s.Update(ctx, configmaps, cm); err != nil {
		t.Fatal(err)
	}
	stale.Data["k"] = "3"
	if _, err := s.Update(ctx, configmaps, stale); !apierrors.IsConflict(err) {
		t.Fatalf("stale update: %v, want Conflict", err)
	}
	if _, err := s.Get(ctx, configmaps, "default", "none"); !apierrors.IsNotFound(err) {
		t.Fatalf("get missing: %v, want NotFound", err)
	}
}

func TestWatchDecodesEventsAndReportsCompactionAsExpired(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	etcd := etcdtest.Start(t)
	s := storage.New(etcd.Client)
	created, _ := s.Create(ctx, configmaps, configMap("w", "1"))
	_, rev, _ := s.List(ctx, configmaps, "default", 0)
	// The watch starts at the list's revision, included: the create itself.
	events, err := s.Watch(ctx, configmaps, "default", rev)
	if err != nil {
		t.Fatal(err)
	}
	for ev := range events {
		if ev.Type == watch.Bookmark {
			continue
		}
		if ev.Type != watch.Added || ev.Object.(*corev1.ConfigMap).ResourceVersion != created.(*corev1.ConfigMap).ResourceVersion {
			t.Fatalf("got %s %+v", ev.Type, ev.Object)
		}
		break
	}
	cm := created.(*corev1.ConfigMap)
	cm.Data["k"] = "2"
	if _, err := s.Update(ctx, configmaps, cm); err != nil {
		t.Fatal(err)
	}
	now, _ := s.CurrentRevision(ctx)
	if _, err := etcd.Client.Compact(ctx, now); err != nil {
		t.Fatal(err)
	}
	old, err := s.Watch(ctx, configmaps, "default", rev)
	if err != nil {
		t.Fatal(err)
	}
	ev := <-old
	if ev.Type != watch.Error || !apierrors.IsResourceExpired(ev.Err) {
		t.Fatalf("watch from a compacted revision: %s %v, want Expired", ev.Type, ev.Err)
	}
}

// Informers keep a cache from a watch alone: it must carry every change,
// in order, a deletion included and as the object was, or a deleted object
// lingers in every cache for ever.
func TestAWatchSeesAddedModifiedAndDeletedInOrder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s := storage.New(etcdtest.Start(t).Client)
	_, rev, err := s.List(ctx, configmaps, "default", 0)
	if err != nil {
		t.Fatal(err)
	}
	events, err := s.Watch(ctx, configmaps, "default", rev+1)
	if err != nil {
		t.Fatal(err)
	}
	created, err := s.Create(ctx, configmaps, configMap("w", "1"))
	if err != nil {
		t.Fatal(err)
	}
	cm := created.(*corev1.ConfigMap)
	cm.Data["k"] = "2"
	updated, err := s.Update(ctx, configmaps, cm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(ctx, configmaps, updated); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		typ   watch.EventType
		value string
	}{{watch.Added, "1"}, {watch.Modified, "2"}, {watch.Deleted, "2"}}
	for i := 0; i < len(want); {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("the watch closed after %d of its %d events", i, len(want))
			}
			if ev.Type == watch.Bookmark {
				continue
			}
			got, isCM := ev.Object.(*corev1.ConfigMap)
			if ev.Type != want[i].typ || !isCM || got.Name != "w" || got.Data["k"] != want[i].value {
				t.Fatalf("event %d: %s %+v, want %s of w with k=%s", i, ev.Type, ev.Object, want[i].typ, want[i].value)
			}
			i++
		case <-ctx.Done():
			t.Fatalf("waited for event %d (%s of w): %v", i, want[i].typ, ctx.Err())
		}
	}
}
