package etcdstore

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/watch"
)

// The errors the core answers with; the generic store maps each to its API
// status (404, 409 AlreadyExists, 409 Conflict, 410 Gone).
var (
	ErrNotFound  = errors.New("etcdstore: key not found")
	ErrExists    = errors.New("etcdstore: key already exists")
	ErrConflict  = errors.New("etcdstore: key was changed since it was read")
	ErrCompacted = errors.New("etcdstore: revision has been compacted")
)

// KeyValue is one stored object as etcd holds it.
type KeyValue struct {
	Key   string
	Value []byte
	// Revision is the key's mod revision: the object's resourceVersion.
	Revision int64
}

// Event is one change seen by a watch, already in Kubernetes' terms.
type Event struct {
	// Type is watch.Added, watch.Modified or watch.Deleted for a change,
	// watch.Bookmark when etcd only reports progress, and watch.Error for
	// the last event of a stream that failed.
	Type watch.EventType
	Key  string
	// Value is the object after the change; for Deleted, the object as it
	// was just before it was deleted.
	Value []byte
	// PrevValue is the object before the change (Modified and Deleted).
	PrevValue []byte
	// Revision is the revision of the change: the resourceVersion the
	// client sees on the event's object. For a Bookmark, the revision the
	// watch has caught up with.
	Revision int64
	// Err says why the stream ended (Error events only); it wraps
	// ErrCompacted when the start revision is no longer kept.
	Err error
}

//ownkube:begin stage=2

// Create stores value under key if, and only if, the key does not exist yet.
// It returns the revision of the write, which becomes the object's
// resourceVersion, or an error wrapping ErrExists.
//
// Hint: a transaction whose condition is that the key's create revision is 0.
func Create(ctx context.Context, kv clientv3.KV, key string, value []byte) (int64, error) {
	resp, err := kv.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(value))).
		Commit()
	if err != nil {
		return 0, fmt.Errorf("create %s: %w", key, err)
	}
	if !resp.Succeeded {
		return 0, fmt.Errorf("create %s: %w", key, ErrExists)
	}
	return resp.Header.Revision, nil
}

// Get returns the value stored under key with its mod revision, or an error
// wrapping ErrNotFound.
func Get(ctx context.Context, kv clientv3.KV, key string) (KeyValue, error) {
	resp, err := kv.Get(ctx, key)
	if err != nil {
		return KeyValue{}, fmt.Errorf("get %s: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return KeyValue{}, fmt.Errorf("get %s: %w", key, ErrNotFound)
	}
	return KeyValue{Key: key, Value: resp.Kvs[0].Value, Revision: resp.Kvs[0].ModRevision}, nil
}

// Update replaces the value under key if its mod revision is still rev, the
// revision the caller read it at: compare-and-swap. It returns the revision
// of the write. When the key was changed since, the error wraps ErrConflict;
// when it is gone, ErrNotFound.
func Update(ctx context.Context, kv clientv3.KV, key string, value []byte, rev int64) (int64, error) {
	resp, err := kv.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", rev)).
		Then(clientv3.OpPut(key, string(value))).
		Else(clientv3.OpGet(key, clientv3.WithKeysOnly())).
		Commit()
	if err != nil {
		return 0, fmt.Errorf("update %s: %w", key, err)
	}
	if !resp.Succeeded {
		return 0, fmt.Errorf("update %s at revision %d: %w", key, rev, missingOrChanged(resp))
	}
	return resp.Header.Revision, nil
}

// Delete removes key if its mod revision is still rev; rev 0 deletes
// whatever is stored. It returns the revision of the deletion. The errors are
// those of Update.
func Delete(ctx context.Context, kv clientv3.KV, key string, rev int64) (int64, error) {
	cond := clientv3.Compare(clientv3.ModRevision(key), "=", rev)
	if rev == 0 {
		cond = clientv3.Compare(clientv3.CreateRevision(key), ">", 0)
	}
	resp, err := kv.Txn(ctx).
		If(cond).
		Then(clientv3.OpDelete(key)).
		Else(clientv3.OpGet(key, clientv3.WithKeysOnly())).
		Commit()
	if err != nil {
		return 0, fmt.Errorf("delete %s: %w", key, err)
	}
	if !resp.Succeeded {
		return 0, fmt.Errorf("delete %s at revision %d: %w", key, rev, missingOrChanged(resp))
	}
	return resp.Header.Revision, nil
}

// List returns every key under prefix, in key order, as the store was at
// revision rev (0: now), with that revision: a list's resourceVersion, from
// which a watch can carry on without missing a change. A list at a past
// revision returns that revision, not the store's current one; a list at 0
// returns the revision etcd answered at. A revision that was compacted
// gives an error wrapping ErrCompacted.
func List(ctx context.Context, kv clientv3.KV, prefix string, rev int64) ([]KeyValue, int64, error) {
	opts := []clientv3.OpOption{clientv3.WithPrefix()}
	if rev > 0 {
		opts = append(opts, clientv3.WithRev(rev))
	}
	resp, err := kv.Get(ctx, prefix, opts...)
	if errors.Is(err, rpctypes.ErrCompacted) {
		return nil, 0, fmt.Errorf("list %s at revision %d: %w", prefix, rev, ErrCompacted)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", prefix, err)
	}
	items := make([]KeyValue, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		items = append(items, KeyValue{Key: string(kv.Key), Value: kv.Value, Revision: kv.ModRevision})
	}
	if rev == 0 {
		rev = resp.Header.Revision
	}
	return items, rev, nil
}

//ownkube:end

//ownkube:begin stage=3

// Watch streams every change under prefix from revision rev on (rev
// included), in order, until ctx ends. When etcd reports progress while
// nothing under prefix changes, it sends a watch.Bookmark whose Revision is
// the revision the watch has caught up with: the API server's bookmarks and
// a cache's "how fresh am I" come from these. A stream that fails ends with
// one watch.Error event whose Err says why: it wraps ErrCompacted when etcd
// no longer keeps revision rev, and the caller must list again.
//
// When ctx ends, the etcd watch ends with it, the goroutine that forwards
// events returns and the channel is closed: nothing is left running.
//
// Hint: ask etcd for the previous value of each key (a deleted object is
// reported as it was) and for progress notifications (WithProgressNotify);
// open the etcd watch with ctx (or a context derived from it), never a
// context of its own.
func Watch(ctx context.Context, w clientv3.Watcher, prefix string, rev int64) (<-chan Event, error) {
	wch := w.Watch(clientv3.WithRequireLeader(ctx), prefix,
		clientv3.WithPrefix(), clientv3.WithRev(rev), clientv3.WithPrevKV(), clientv3.WithProgressNotify())
	out := make(chan Event)
	go func() {
		defer close(out)
		for resp := range wch {
			for _, ev := range eventsOf(resp) {
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
				if ev.Type == watch.Error {
					return
				}
			}
		}
	}()
	return out, nil
}

// eventsOf translates one watch response into the events it carries.
func eventsOf(resp clientv3.WatchResponse) []Event {
	if resp.CompactRevision != 0 {
		err := fmt.Errorf("watch from a revision older than %d: %w", resp.CompactRevision, ErrCompacted)
		return []Event{{Type: watch.Error, Err: err}}
	}
	if err := resp.Err(); err != nil {
		return []Event{{Type: watch.Error, Err: fmt.Errorf("watch: %w", err)}}
	}
	if resp.IsProgressNotify() {
		return []Event{{Type: watch.Bookmark, Revision: resp.Header.Revision}}
	}
	events := make([]Event, 0, len(resp.Events))
	for _, e := range resp.Events {
		ev, err := TranslateEvent(e)
		if err != nil {
			return append(events, Event{Type: watch.Error, Err: err})
		}
		events = append(events, ev)
	}
	return events
}

// TranslateEvent turns one etcd event into a Kubernetes watch event: a put
// of a new key is Added, a put of an existing key Modified, a delete Deleted
// and carries the object as it was before (in Value and PrevValue). Key,
// Value and Revision come from the event's key-value, PrevValue from its
// previous key-value when etcd sent one. A delete without its previous
// value (a watch opened without WithPrevKV) cannot say what was deleted:
// it is an error, never a Deleted event with an empty object.
func TranslateEvent(e *clientv3.Event) (Event, error) {
	ev := Event{Key: string(e.Kv.Key), Value: e.Kv.Value, Revision: e.Kv.ModRevision}
	if e.PrevKv != nil {
		ev.PrevValue = e.PrevKv.Value
	}
	switch {
	case e.Type == clientv3.EventTypeDelete:
		if e.PrevKv == nil {
			return Event{}, fmt.Errorf("delete of %s carries no previous value: watch without WithPrevKV", e.Kv.Key)
		}
		ev.Type, ev.Value = watch.Deleted, e.PrevKv.Value
	case e.IsCreate():
		ev.Type = watch.Added
	default:
		ev.Type = watch.Modified
	}
	return ev, nil
}

//ownkube:end
