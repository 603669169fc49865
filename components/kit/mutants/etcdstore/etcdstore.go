//go:build solutions && mutants

// Package etcdstore holds the mutants of the store core's learner regions
// (solutions/etcdstore): Create, Update (stage 2) and Watch,
// TranslateEvent (stage 3).
package etcdstore

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ownkube/ownkube/components/kit/mutant"
	impl "github.com/ownkube/ownkube/solutions/etcdstore"
)

// The signatures of the functions the variants replace.
type (
	CreateFunc         = func(context.Context, clientv3.KV, string, []byte) (int64, error)
	UpdateFunc         = func(context.Context, clientv3.KV, string, []byte, int64) (int64, error)
	WatchFunc          = func(context.Context, clientv3.Watcher, string, int64) (<-chan impl.Event, error)
	TranslateEventFunc = func(*clientv3.Event) (impl.Event, error)
)

var (
	updateWithoutCAS = mutant.Register(mutant.Mutant{Name: "etcdstore/update-without-cas", Package: "etcdstore", Stage: 2,
		Description: "Update puts the value whatever the key's revision: no compare-and-swap",
		Breaks:      "a stale write wins: two writers of one object both succeed and one update is lost"})
	createOverwrites = mutant.Register(mutant.Mutant{Name: "etcdstore/create-overwrites", Package: "etcdstore", Stage: 2,
		Description: "Create puts the value even when the key exists",
		Breaks:      "creating an object that exists replaces it instead of answering AlreadyExists"})
	dropsDeletions = mutant.Register(mutant.Mutant{Name: "etcdstore/watch-drops-deletions", Package: "etcdstore", Stage: 3,
		Description: "Watch forwards no Deleted event",
		Breaks:      "watchers (informers, kubectl get -w) never learn that an object is gone"})
	deleteAsModified = mutant.Register(mutant.Mutant{Name: "etcdstore/translate-delete-as-modified", Package: "etcdstore", Stage: 3,
		Description: "TranslateEvent reports a delete as Modified",
		Breaks:      "watchers see a deleted object as changed, and keep it"})
)

// Create, Update, Watch and TranslateEvent hold each function's variants,
// by mutant name.
var (
	Create = map[string]CreateFunc{createOverwrites.Name: createOverwriting}
	Update = map[string]UpdateFunc{updateWithoutCAS.Name: updateBlindly}
	Watch  = map[string]WatchFunc{
		dropsDeletions.Name:   filteredWatch(func(ev impl.Event) (impl.Event, bool) { return ev, ev.Type != watch.Deleted }),
		deleteAsModified.Name: filteredWatch(func(ev impl.Event) (impl.Event, bool) { return deletedAsModified(ev), true }),
	}
	TranslateEvent = map[string]TranslateEventFunc{
		deleteAsModified.Name: func(e *clientv3.Event) (impl.Event, error) {
			ev, err := impl.TranslateEvent(e)
			return deletedAsModified(ev), err
		},
	}
)

// createOverwriting is a plain put.
func createOverwriting(ctx context.Context, kv clientv3.KV, key string, value []byte) (int64, error) {
	resp, err := kv.Put(ctx, key, string(value))
	if err != nil {
		return 0, fmt.Errorf("create %s: %w", key, err)
	}
	return resp.Header.Revision, nil
}

// updateBlindly puts the value when the key exists, at any revision.
func updateBlindly(ctx context.Context, kv clientv3.KV, key string, value []byte, _ int64) (int64, error) {
	resp, err := kv.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), ">", 0)).
		Then(clientv3.OpPut(key, string(value))).
		Commit()
	if err != nil {
		return 0, fmt.Errorf("update %s: %w", key, err)
	}
	if !resp.Succeeded {
		return 0, fmt.Errorf("update %s: %w", key, impl.ErrNotFound)
	}
	return resp.Header.Revision, nil
}

func deletedAsModified(ev impl.Event) impl.Event {
	if ev.Type == watch.Deleted {
		ev.Type = watch.Modified
	}
	return ev
}

// filteredWatch is the reference Watch with each event passed through
// change, which may drop it (false).
func filteredWatch(change func(impl.Event) (impl.Event, bool)) WatchFunc {
	return func(ctx context.Context, w clientv3.Watcher, prefix string, rev int64) (<-chan impl.Event, error) {
		in, err := impl.Watch(ctx, w, prefix, rev)
		if err != nil {
			return nil, err
		}
		out := make(chan impl.Event)
		go func() {
			defer close(out)
			for ev := range in {
				ev, keep := change(ev)
				if !keep {
					continue
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					return
				}
			}
		}()
		return out, nil
	}
}
