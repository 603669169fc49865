package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// sightings records when each pod was first seen in some state (created,
// bound, Running, gone), so that a benchmark can wait for all of them and
// time them afterwards. It is safe for concurrent use.
type sightings struct {
	mu      sync.Mutex
	first   map[string]time.Time // pod name → first seen
	changed chan struct{}        // a token once something was seen since the last look
}

func newSightings() *sightings {
	return &sightings{first: map[string]time.Time{}, changed: make(chan struct{}, 1)}
}

// see records that pod name was seen at t, unless it was seen before.
func (s *sightings) see(name string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.first[name]; ok {
		return
	}
	s.first[name] = t
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// len is the number of pods seen.
func (s *sightings) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.first)
}

// times returns a copy of when each pod was first seen.
func (s *sightings) times() map[string]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]time.Time, len(s.first))
	for k, v := range s.first {
		out[k] = v
	}
	return out
}

// waitUntil waits until done, called with the pods seen so far (under the
// lock: it must not keep the map), reports true, or until ctx ends.
func (s *sightings) waitUntil(ctx context.Context, done func(seen map[string]time.Time) bool) error {
	for {
		s.mu.Lock()
		ok := done(s.first)
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.changed:
		}
	}
}

// allOf is a waitUntil condition: every pod want has seen.
func allOf(want map[string]time.Time) func(map[string]time.Time) bool {
	return func(seen map[string]time.Time) bool {
		for name := range want {
			if _, ok := seen[name]; !ok {
				return false
			}
		}
		return true
	}
}

// atLeast is a waitUntil condition: n pods seen.
func atLeast(n int) func(map[string]time.Time) bool {
	return func(seen map[string]time.Time) bool { return len(seen) >= n }
}

// span is the time from the first sighting to the last; zero for none.
func span(times map[string]time.Time) (first, last time.Time) {
	for _, t := range times {
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	return first, last
}

// podWatch watches the pods of one namespace from the moment it starts and
// calls its handler with each event and the moment the event arrived. A
// watch the server closes is resumed from the last revision seen, so that
// no event is missed.
type podWatch struct {
	w    *watchtools.RetryWatcher
	done chan struct{}
	mu   sync.Mutex
	err  error // the event that ended the watch, if one did
}

// watchPods starts watching the pods of namespace ns; Stop ends it.
func watchPods(ctx context.Context, kube kubernetes.Interface, ns string, handle func(watch.EventType, *corev1.Pod, time.Time)) (*podWatch, error) {
	pods := kube.CoreV1().Pods(ns)
	list, err := pods.List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("list pods in %s: %w", ns, err)
	}
	lw := &cache.ListWatch{WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		return pods.Watch(ctx, o)
	}}
	w, err := watchtools.NewRetryWatcherWithContext(ctx, list.ResourceVersion, lw)
	if err != nil {
		return nil, fmt.Errorf("watch pods in %s: %w", ns, err)
	}
	pw := &podWatch{w: w, done: make(chan struct{})}
	go func() {
		defer close(pw.done)
		for ev := range w.ResultChan() {
			now := time.Now()
			switch obj := ev.Object.(type) {
			case *corev1.Pod:
				handle(ev.Type, obj, now)
			case *metav1.Status:
				pw.fail(fmt.Errorf("watch pods in %s: %w", ns, apierrors.FromObject(obj)))
			}
		}
	}()
	return pw, nil
}

func (pw *podWatch) fail(err error) {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	if pw.err == nil {
		pw.err = err
	}
}

// Err is why the watch ended early, or nil.
func (pw *podWatch) Err() error {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	return pw.err
}

// Stop ends the watch and waits for its handler to return.
func (pw *podWatch) Stop() {
	pw.w.Stop()
	<-pw.done
}

// waitError says what a wait that ended with err was waiting for, and why
// the watch may have missed it.
func (pw *podWatch) waitError(what string, err error) error {
	if werr := pw.Err(); werr != nil {
		return fmt.Errorf("%s: %w (the watch had ended: %v)", what, err, werr)
	}
	return fmt.Errorf("%s: %w", what, err)
}
