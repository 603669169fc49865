package scheduler

import (
	"sync"
	"time"

	"k8s.io/client-go/util/workqueue"
)

// maxParked is how long a pod that fits nowhere waits for news before it is
// tried again anyway, in case the news that would free it was never
// modelled (kube-scheduler waits five minutes too).
const maxParked = 5 * time.Minute

// parking holds the pods that fit nowhere (kube's unschedulable pods): they
// are not tried again until the cluster changes in a way that could make
// room — a node added or changed, a bound pod deleted, finished or shrunk —
// and then only after their back-off, which doubles with each failed
// attempt, so that nothing loops hot.
type parking struct {
	queue workqueue.TypedRateLimitingInterface[string]

	mu    sync.Mutex
	keys  map[string]struct{}
	moves uint64 // counts moveAll calls: a change seen during an attempt
}

func newParking(queue workqueue.TypedRateLimitingInterface[string]) *parking {
	return &parking{queue: queue, keys: map[string]struct{}{}}
}

// attempt marks the start of an attempt to schedule a pod: park needs its
// answer to know whether the cluster changed meanwhile.
func (p *parking) attempt() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.moves
}

// park sets key aside after an attempt that started at since found no
// node. If the cluster changed during the attempt, the attempt may have
// missed the room the change made, so the pod is tried again after its
// back-off instead.
func (p *parking) park(key string, since uint64) {
	p.mu.Lock()
	changed := p.moves != since
	if !changed {
		p.keys[key] = struct{}{}
	}
	p.mu.Unlock()
	if changed {
		p.queue.AddRateLimited(key)
		return
	}
	p.queue.AddAfter(key, maxParked)
}

// moveAll sends every parked pod back to the queue, each after its
// back-off; it returns how many there were.
func (p *parking) moveAll() int {
	p.mu.Lock()
	keys := p.keys
	p.keys = map[string]struct{}{}
	p.moves++
	p.mu.Unlock()
	for key := range keys {
		p.queue.AddRateLimited(key)
	}
	return len(keys)
}

// move sends one parked pod back to the queue, after its back-off: its own
// spec changed. It reports whether the pod was parked.
func (p *parking) move(key string) bool {
	if !p.remove(key) {
		return false
	}
	p.queue.AddRateLimited(key)
	return true
}

// remove forgets key: the pod is being tried, was bound or is gone.
func (p *parking) remove(key string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.keys[key]
	delete(p.keys, key)
	return ok
}
