package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/ownkube/ownkube/components/kit/exercise"
)

// SyncFunc makes the world match the object named by key ("namespace/name",
// or "name" for a cluster-scoped object). It must tolerate being called for
// an object that no longer exists, and being called again for the same key.
type SyncFunc func(ctx context.Context, key string) error

// Loop is a controller's queue and workers. Build it with NewLoop in the
// controller's constructor, point the informers' handlers at Enqueue, and
// call Run from the controller's Run.
type Loop struct {
	name   string
	sync   SyncFunc
	queue  workqueue.TypedRateLimitingInterface[string]
	synced []cache.InformerSynced
	log    *slog.Logger
}

// NewLoop returns the loop of controller name, which calls sync for each
// key once every informer of synced has synced.
func NewLoop(name string, sync SyncFunc, log *slog.Logger, synced ...cache.InformerSynced) *Loop {
	if log == nil {
		log = slog.Default()
	}
	return &Loop{
		name: name,
		sync: sync,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: name}),
		synced: synced,
		log:    log.With("controller", name),
	}
}

// Enqueue adds the key of obj, an object from an informer (or the tombstone
// of a deleted one). It is what event handlers call, and all they do.
func (l *Loop) Enqueue(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		l.log.Error("cannot make a key of an object; ignoring it", "object", fmt.Sprintf("%T", obj), "err", err)
		return
	}
	l.queue.Add(key)
}

// EnqueueKey adds key.
func (l *Loop) EnqueueKey(key string) { l.queue.Add(key) }

// EnqueueAfter adds key once d has passed.
func (l *Loop) EnqueueAfter(key string, d time.Duration) { l.queue.AddAfter(key, d) }

// Handlers returns event handlers that enqueue the object itself on every
// add, update and delete.
func (l *Loop) Handlers() cache.ResourceEventHandlerFuncs {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    l.Enqueue,
		UpdateFunc: func(_, obj any) { l.Enqueue(obj) },
		DeleteFunc: l.Enqueue,
	}
}

// Len is how many keys wait in the queue.
func (l *Loop) Len() int { return l.queue.Len() }

// Run waits for the informers to sync, then runs workers until ctx ends. It
// returns once every worker has finished its key.
func (l *Loop) Run(ctx context.Context, workers int) error {
	defer l.queue.ShutDown()
	if !cache.WaitForNamedCacheSync(l.name, ctx.Done(), l.synced...) {
		return nil // ctx ended first
	}
	l.log.Info("controller running", "workers", workers)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for l.processNextItem(ctx) {
			}
		})
	}
	<-ctx.Done()
	l.queue.ShutDown()
	wg.Wait()
	return nil
}

// processNextItem syncs one key. It returns false once the queue shut down.
func (l *Loop) processNextItem(ctx context.Context) bool {
	key, shutdown := l.queue.Get()
	if shutdown {
		return false
	}
	defer l.queue.Done(key)
	l.handleErr(ctx, key, l.sync(ctx, key))
	return true
}

// handleErr is the one place that decides whether a key is synced again.
func (l *Loop) handleErr(ctx context.Context, key string, err error) {
	var after *requeueAfter
	var permanent *permanentError
	switch {
	case err == nil:
		l.queue.Forget(key)
	case errors.As(err, &after):
		// Not a failure: the object asked to be looked at again later
		// (a deadline, minReadySeconds), so its back-off starts over.
		l.queue.Forget(key)
		l.queue.AddAfter(key, after.d)
	case errors.As(err, &permanent):
		// Trying again cannot help (an invalid template the API refuses);
		// the next change of the object brings the key back.
		if !exercise.IsNotImplemented(err) { // a stub is reported once, on its object
			l.log.Error("sync failed; not retrying", "key", key, "err", err)
		}
		l.queue.Forget(key)
	case ctx.Err() != nil:
		// Stopping: the failure says nothing about the object.
	case apierrors.IsConflict(err):
		// Another writer won; the informer brings its version. Retry soon,
		// without the noise of an error.
		l.log.Debug("sync lost a race; retrying", "key", key, "err", err)
		l.queue.AddRateLimited(key)
	case exercise.IsNotImplemented(err):
		// A stub of the learner's, reported once on its object by the
		// controller: tried again after the same back-off as any failure,
		// since the learner may write it meanwhile, but not logged again.
		l.queue.AddRateLimited(key)
	default:
		l.log.Error("sync failed; retrying", "key", key, "retries", l.queue.NumRequeues(key), "err", err)
		l.queue.AddRateLimited(key)
	}
}

type requeueAfter struct{ d time.Duration }

func (r *requeueAfter) Error() string { return fmt.Sprintf("look again in %s", r.d) }

// RequeueAfter is what a sync returns that succeeded but must look at its
// object again once d has passed, when nothing else may bring it back.
func RequeueAfter(d time.Duration) error { return &requeueAfter{d: d} }

type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }

// Permanent marks err as one that retrying cannot mend.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}
