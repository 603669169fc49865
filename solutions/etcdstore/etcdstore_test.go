package etcdstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/goleak"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ownkube/ownkube/components/etcd/etcdtest"
	"github.com/ownkube/ownkube/solutions/etcdstore"
)

func TestCreateRefusesAnExistingKey(t *testing.T) {
	ctx, kv := context.Background(), etcdtest.Start(t).Client
	rev, err := etcdstore.Create(ctx, kv, "/registry/pods/default/a", []byte("one"))
	if err != nil || rev == 0 {
		t.Fatalf("first create: rev %d, err %v", rev, err)
	}
	if _, err := etcdstore.Create(ctx, kv, "/registry/pods/default/a", []byte("two")); !errors.Is(err, etcdstore.ErrExists) {
		t.Fatalf("second create: got %v, want ErrExists", err)
	}
	got, err := etcdstore.Get(ctx, kv, "/registry/pods/default/a")
	if err != nil || string(got.Value) != "one" || got.Revision != rev {
		t.Fatalf("get after refused create: %+v, %v; want value one at revision %d", got, err, rev)
	}
}

func TestGetOfAMissingKeyIsNotFound(t *testing.T) {
	_, err := etcdstore.Get(context.Background(), etcdtest.Start(t).Client, "/registry/pods/default/none")
	if !errors.Is(err, etcdstore.ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}

func TestUpdateIsACompareAndSwap(t *testing.T) {
	ctx, kv := context.Background(), etcdtest.Start(t).Client
	key := "/registry/configmaps/default/c"
	rev, err := etcdstore.Create(ctx, kv, key, []byte("v1"))
	if err != nil {
		t.Fatal(err)
	}
	rev2, err := etcdstore.Update(ctx, kv, key, []byte("v2"), rev)
	if err != nil || rev2 <= rev {
		t.Fatalf("update at the current revision: rev %d, err %v", rev2, err)
	}
	if _, err := etcdstore.Update(ctx, kv, key, []byte("stale"), rev); !errors.Is(err, etcdstore.ErrConflict) {
		t.Fatalf("update at a stale revision: got %v, want ErrConflict", err)
	}
	if _, err := etcdstore.Update(ctx, kv, "/registry/configmaps/default/none", []byte("x"), rev); !errors.Is(err, etcdstore.ErrNotFound) {
		t.Fatalf("update of a missing key: got %v, want ErrNotFound", err)
	}
	got, _ := etcdstore.Get(ctx, kv, key)
	if string(got.Value) != "v2" || got.Revision != rev2 {
		t.Fatalf("stored %q at %d, want v2 at %d", got.Value, got.Revision, rev2)
	}
}

func TestDeleteHonoursTheRevision(t *testing.T) {
	ctx, kv := context.Background(), etcdtest.Start(t).Client
	key := "/registry/secrets/default/s"
	rev, _ := etcdstore.Create(ctx, kv, key, []byte("v1"))
	rev2, _ := etcdstore.Update(ctx, kv, key, []byte("v2"), rev)
	if _, err := etcdstore.Delete(ctx, kv, key, rev); !errors.Is(err, etcdstore.ErrConflict) {
		t.Fatalf("delete at a stale revision: got %v, want ErrConflict", err)
	}
	if _, err := etcdstore.Delete(ctx, kv, key, rev2); err != nil {
		t.Fatalf("delete at the current revision: %v", err)
	}
	if _, err := etcdstore.Delete(ctx, kv, key, 0); !errors.Is(err, etcdstore.ErrNotFound) {
		t.Fatalf("delete of a deleted key: got %v, want ErrNotFound", err)
	}
}

func TestListReturnsThePrefixInKeyOrderWithTheStoreRevision(t *testing.T) {
	ctx, kv := context.Background(), etcdtest.Start(t).Client
	var first int64
	for _, k := range []string{"/registry/pods/b/x", "/registry/pods/a/y", "/registry/podsx/a/z"} {
		rev, err := etcdstore.Create(ctx, kv, k, []byte(k))
		if err != nil {
			t.Fatal(err)
		}
		if first == 0 {
			first = rev
		}
	}
	items, rev, err := etcdstore.List(ctx, kv, "/registry/pods/", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Key != "/registry/pods/a/y" || items[1].Key != "/registry/pods/b/x" {
		t.Fatalf("got %+v, want the two pods in key order", items)
	}
	last, _ := etcdstore.Get(ctx, kv, "/registry/podsx/a/z")
	if rev != last.Revision {
		t.Fatalf("list revision %d, want the store's revision %d", rev, last.Revision)
	}
	old, oldRev, err := etcdstore.List(ctx, kv, "/registry/pods/", first-1)
	if err != nil || len(old) != 0 {
		t.Fatalf("list at a revision before the pods existed: %+v, %v", old, err)
	}
	if oldRev != first-1 {
		t.Fatalf("list at revision %d answered revision %d: a past list's resourceVersion is the revision it was read at", first-1, oldRev)
	}
	mid, midRev, err := etcdstore.List(ctx, kv, "/registry/pods/", first)
	if err != nil || len(mid) != 1 || mid[0].Key != "/registry/pods/b/x" || midRev != first {
		t.Fatalf("list at revision %d: %+v at %d, %v; want only /registry/pods/b/x at %d", first, mid, midRev, err, first)
	}
}

func TestWatchDeliversChangesInOrderFromARevision(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	kv := etcdtest.Start(t).Client
	key := "/registry/pods/default/w"
	before, _ := etcdstore.Create(ctx, kv, "/registry/pods/default/before", []byte("old"))
	rev, _ := etcdstore.Create(ctx, kv, key, []byte("v1"))
	rev2, _ := etcdstore.Update(ctx, kv, key, []byte("v2"), rev)
	rev3, _ := etcdstore.Delete(ctx, kv, key, rev2)

	events, err := etcdstore.Watch(ctx, kv, "/registry/pods/", before+1)
	if err != nil {
		t.Fatal(err)
	}
	want := []etcdstore.Event{
		{Type: watch.Added, Value: []byte("v1"), Revision: rev},
		{Type: watch.Modified, Value: []byte("v2"), PrevValue: []byte("v1"), Revision: rev2},
		{Type: watch.Deleted, Value: []byte("v2"), PrevValue: []byte("v2"), Revision: rev3},
	}
	for i, w := range want {
		got := nextChange(t, events)
		if got.Type != w.Type || string(got.Value) != string(w.Value) || string(got.PrevValue) != string(w.PrevValue) || got.Revision != w.Revision || got.Key != key {
			t.Fatalf("event %d: got %s %s %q (prev %q) at %d, want %s %q (prev %q) at %d",
				i, got.Type, got.Key, got.Value, got.PrevValue, got.Revision, w.Type, w.Value, w.PrevValue, w.Revision)
		}
	}
}

func TestWatchFromACompactedRevisionEndsWithErrCompacted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	kv := etcdtest.Start(t).Client
	rev, _ := etcdstore.Create(ctx, kv, "/registry/pods/default/a", []byte("v1"))
	rev2, _ := etcdstore.Update(ctx, kv, "/registry/pods/default/a", []byte("v2"), rev)
	if _, err := kv.Compact(ctx, rev2); err != nil {
		t.Fatal(err)
	}
	events, err := etcdstore.Watch(ctx, kv, "/registry/pods/", rev)
	if err != nil {
		t.Fatal(err)
	}
	ev := nextChange(t, events)
	if ev.Type != watch.Error || !errors.Is(ev.Err, etcdstore.ErrCompacted) {
		t.Fatalf("got %s (%v), want an Error event wrapping ErrCompacted", ev.Type, ev.Err)
	}
	if _, ok := <-events; ok {
		t.Fatal("the stream went on after its Error event")
	}
	if _, _, err := etcdstore.List(ctx, kv, "/registry/pods/", rev); !errors.Is(err, etcdstore.ErrCompacted) {
		t.Fatalf("list at a compacted revision: got %v, want ErrCompacted", err)
	}
}

func TestWatchReportsProgressWithBookmarks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	kv := etcdtest.Start(t).Client // etcd reports progress every second
	rev, err := etcdstore.Create(ctx, kv, "/registry/configmaps/default/elsewhere", []byte("v1"))
	if err != nil {
		t.Fatal(err)
	}
	events, err := etcdstore.Watch(ctx, kv, "/registry/pods/", rev) // etcd reports no progress to a watch ahead of it
	if err != nil {
		t.Fatal(err)
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the watch closed before a bookmark")
			}
			if ev.Type != watch.Bookmark {
				t.Fatalf("got %s %s on a prefix nothing was written to, want a Bookmark", ev.Type, ev.Key)
			}
			if ev.Revision < rev {
				t.Fatalf("bookmark at revision %d, want the store's revision %d or later: a watch on a quiet prefix still learns how far it has caught up", ev.Revision, rev)
			}
			return
		case <-timeout:
			t.Fatal("no bookmark within 10s on a quiet prefix: ask etcd for progress notifications")
		}
	}
}

func TestWatchEndsWithItsContextAndLeavesNoGoroutine(t *testing.T) {
	kv := etcdtest.Start(t).Client
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rev, err := etcdstore.Create(ctx, kv, "/registry/pods/default/a", []byte("v1"))
	if err != nil {
		t.Fatal(err)
	}
	running := goleak.IgnoreCurrent() // embedded etcd's and the client's own goroutines
	watchCtx, stop := context.WithCancel(ctx)
	defer stop()
	events, err := etcdstore.Watch(watchCtx, kv, "/registry/pods/", rev)
	if err != nil {
		t.Fatal(err)
	}
	if ev := nextChange(t, events); ev.Type != watch.Added {
		t.Fatalf("got %s, want the Added event of the pod", ev.Type)
	}
	stop()
	timeout := time.After(10 * time.Second)
	for closed := false; !closed; {
		select {
		case _, ok := <-events:
			closed = !ok
		case <-timeout:
			t.Fatal("the channel was not closed within 10s of the watch's context ending")
		}
	}
	// The etcd watch itself must end too: a stream opened with a context
	// of its own outlives the caller's and keeps its goroutines.
	if err := noNewGoroutines(running, 5*time.Second); err != nil {
		t.Fatalf("the watch left goroutines behind once its context ended: %v", err)
	}
}

// noNewGoroutines waits up to timeout for every goroutine not ignored to
// end: etcd's client and server wind a cancelled stream down in the
// background, and goleak alone retries for half a second only.
func noNewGoroutines(ignore goleak.Option, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := goleak.Find(ignore)
		if err == nil || time.Now().After(deadline) {
			return err
		}
	}
}

func TestTranslateEventNeedsThePreviousValueOfADelete(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	kv := etcdtest.Start(t).Client
	rev, _ := etcdstore.Create(ctx, kv, "/registry/pods/default/a", []byte("v1"))
	wch := kv.Watch(ctx, "/registry/pods/default/a", clientv3.WithRev(rev)) // no WithPrevKV
	if _, err := etcdstore.Delete(ctx, kv, "/registry/pods/default/a", rev); err != nil {
		t.Fatal(err)
	}
	var seen int
	for resp := range wch {
		for _, e := range resp.Events {
			ev, err := etcdstore.TranslateEvent(e)
			switch seen {
			case 0:
				if err != nil || ev.Type != watch.Added {
					t.Fatalf("translate the create: %s, %v", ev.Type, err)
				}
			case 1:
				if err == nil {
					t.Fatalf("translate a delete without its previous value: got %s, want an error", ev.Type)
				}
				return
			}
			seen++
		}
	}
	t.Fatal("the watch ended before the delete")
}

// nextChange skips bookmarks and returns the next event, failing after 10s.
func nextChange(t *testing.T, events <-chan etcdstore.Event) etcdstore.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the watch closed before the expected event")
			}
			if ev.Type != watch.Bookmark {
				return ev
			}
		case <-timeout:
			t.Fatal("no event within 10s")
		}
	}
}
