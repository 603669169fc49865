package replicaset

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// expectationsTimeout is how long a sync waits for the informer to show the
// creates and deletes of the last one before it acts anyway: a watch event
// that never comes (a create that failed without our knowing) must not
// stall a ReplicaSet forever. kube uses five minutes.
const expectationsTimeout = 5 * time.Minute

// expectations remember, per ReplicaSet key, the creates and deletes a sync
// has asked for and the informer has not shown yet — kube's
// ControllerExpectations, simplified: creates are a count (a new pod's name
// is unknown until it exists), deletes are the UIDs of the pods deleted, so
// a pod seen first with a deletionTimestamp and then gone is counted once.
// While a key has outstanding expectations its sync does not manage
// replicas: the cache does not yet show the world the last sync made, and
// acting on it would create or delete twice.
type expectations struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]*expected
}

type expected struct {
	creates int
	deletes map[types.UID]bool
	set     time.Time
}

func newExpectations(now func() time.Time) *expectations {
	return &expectations{now: now, m: map[string]*expected{}}
}

// satisfied reports whether key's last sync has been seen through, or has
// waited longer than expectationsTimeout.
func (e *expectations) satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.m[key]
	if !ok {
		return true
	}
	return (x.creates <= 0 && len(x.deletes) == 0) || e.now().Sub(x.set) > expectationsTimeout
}

// expect records that key's sync is about to create creates pods and
// delete the pods of deletes, replacing what it expected before.
func (e *expectations) expect(key string, creates int, deletes []types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &expected{creates: creates, deletes: map[types.UID]bool{}, set: e.now()}
	for _, uid := range deletes {
		x.deletes[uid] = true
	}
	e.m[key] = x
}

// created lowers key's expected creates by n: the informer showed a new pod,
// or a create failed or was skipped and will never show.
func (e *expectations) created(key string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		x.creates -= n
	}
}

// deleted records that the pod uid of key's is going or gone.
func (e *expectations) deleted(key string, uid types.UID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		delete(x.deletes, uid)
	}
}

// forget drops key's expectations: its ReplicaSet is gone.
func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}
