// Package expectations remembers, per controller key, the pod creations
// and deletions a controller has asked for and its informer has not shown
// yet, as kube's ControllerExpectations do. Until they are seen, a sync
// must not count pods again: the cache would still miss the new ones, and
// the controller would create them twice.
package expectations

import (
	"sync"
	"time"
)

// Timeout is how long expectations are trusted: past it, a watch event
// that never came (a create that failed on the server's side after all)
// no longer blocks the controller.
const Timeout = 5 * time.Minute

type expected struct {
	adds, dels int
	at         time.Time
}

// Expectations is safe for concurrent use.
type Expectations struct {
	mu   sync.Mutex
	keys map[string]*expected
}

// New returns empty expectations.
func New() *Expectations { return &Expectations{keys: map[string]*expected{}} }

// Expect records that adds creations and dels deletions are on their way for key.
func (e *Expectations) Expect(key string, adds, dels int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.keys[key]
	if x == nil {
		x = &expected{}
		e.keys[key] = x
	}
	x.adds += adds
	x.dels += dels
	x.at = time.Now()
}

// Observed lowers key's expectations by a creation (added) or a deletion
// seen by the informer, or one that will never come (it failed).
func (e *Expectations) Observed(key string, added bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.keys[key]
	if x == nil {
		return
	}
	if added && x.adds > 0 {
		x.adds--
	}
	if !added && x.dels > 0 {
		x.dels--
	}
}

// Satisfied reports whether key expects nothing more (or has waited past Timeout).
func (e *Expectations) Satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := e.keys[key]
	return x == nil || (x.adds <= 0 && x.dels <= 0) || time.Since(x.at) > Timeout
}

// Forget drops key's expectations (its object is gone).
func (e *Expectations) Forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.keys, key)
}
