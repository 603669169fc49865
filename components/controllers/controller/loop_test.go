package controller

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// recorder is a SyncFunc that answers each key's calls from a script and
// counts them.
type recorder struct {
	mu     sync.Mutex
	calls  map[string]int
	script map[string][]error
	seen   chan string
}

func newRecorder(script map[string][]error) *recorder {
	return &recorder{calls: map[string]int{}, script: script, seen: make(chan string, 100)}
}

func (r *recorder) sync(_ context.Context, key string) error {
	r.mu.Lock()
	n := r.calls[key]
	r.calls[key]++
	var err error
	if s := r.script[key]; n < len(s) {
		err = s[n]
	}
	r.mu.Unlock()
	r.seen <- key
	return err
}

func (r *recorder) count(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[key]
}

func run(t *testing.T, r *recorder) *Loop {
	t.Helper()
	l := NewLoop("test", r.sync, nil, func() bool { return true })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- l.Run(ctx, 2) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return l
}

// await waits until key has been synced n times in all.
func await(t *testing.T, r *recorder, key string, n int, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for r.count(key) < n {
		select {
		case <-r.seen:
		case <-deadline:
			t.Fatalf("%s synced %d times within %s, want %d", key, r.count(key), within, n)
		}
	}
}

func TestLoopRetriesConflictsAndFailuresUntilTheSyncSucceeds(t *testing.T) {
	conflict := apierrors.NewConflict(schema.GroupResource{Resource: "pods"}, "p", errors.New("stale"))
	r := newRecorder(map[string][]error{"ns/a": {conflict, errors.New("etcd is away"), nil}})
	l := run(t, r)
	l.EnqueueKey("ns/a")
	await(t, r, "ns/a", 3, 5*time.Second)
	time.Sleep(100 * time.Millisecond) // a fourth call would come within the back-off's first steps
	if n := r.count("ns/a"); n != 3 {
		t.Errorf("synced %d times; a success must end the retries", n)
	}
}

func TestLoopDropsPermanentErrors(t *testing.T) {
	r := newRecorder(map[string][]error{"ns/bad": {Permanent(errors.New("invalid template"))}})
	l := run(t, r)
	l.EnqueueKey("ns/bad")
	await(t, r, "ns/bad", 1, 5*time.Second)
	time.Sleep(200 * time.Millisecond)
	if n := r.count("ns/bad"); n != 1 {
		t.Errorf("synced %d times; a permanent error must not be retried", n)
	}
}

func TestLoopComesBackWhenASyncAsksToBeRequeuedLater(t *testing.T) {
	r := newRecorder(map[string][]error{"ns/later": {RequeueAfter(300 * time.Millisecond)}})
	l := run(t, r)
	start := time.Now()
	l.EnqueueKey("ns/later")
	await(t, r, "ns/later", 2, 5*time.Second)
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Errorf("came back after %s, before the 300ms it asked for", waited)
	}
}

func TestEnqueueTakesTheKeyOfATombstone(t *testing.T) {
	r := newRecorder(nil)
	l := run(t, r)
	l.Enqueue(cache.DeletedFinalStateUnknown{Key: "ns/gone"})
	await(t, r, "ns/gone", 1, 5*time.Second)
}
