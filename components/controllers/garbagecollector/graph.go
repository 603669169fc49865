package garbagecollector

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// ref names one object in the graph.
type ref struct {
	gvr       schema.GroupVersionResource
	namespace string
	name      string
	uid       types.UID
}

// node is what the graph knows of one object seen by an informer.
type node struct {
	ref        ref
	owners     []metav1.OwnerReference
	deleting   bool
	finalizers []string
}

// graph is who owns whom, from the informers' view. Its methods are safe
// for the informers' handlers and the workers at once.
type graph struct {
	mu         sync.Mutex
	nodes      map[types.UID]*node
	dependents map[types.UID]map[types.UID]bool // owner → dependents
}

func newGraph() *graph {
	return &graph{nodes: map[types.UID]*node{}, dependents: map[types.UID]map[types.UID]bool{}}
}

// upsert records n, replacing what was known of it, and returns the owner
// UIDs it no longer names.
func (g *graph) upsert(n *node) (dropped []types.UID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if old, ok := g.nodes[n.ref.uid]; ok {
		for _, o := range old.owners {
			if !names(n.owners, o.UID) {
				g.unlink(o.UID, n.ref.uid)
				dropped = append(dropped, o.UID)
			}
		}
	}
	g.nodes[n.ref.uid] = n
	for _, o := range n.owners {
		if g.dependents[o.UID] == nil {
			g.dependents[o.UID] = map[types.UID]bool{}
		}
		g.dependents[o.UID][n.ref.uid] = true
	}
	return dropped
}

// remove forgets the object uid and returns what it was.
func (g *graph) remove(uid types.UID) (*node, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n, ok := g.nodes[uid]
	if !ok {
		return nil, false
	}
	delete(g.nodes, uid)
	for _, o := range n.owners {
		g.unlink(o.UID, uid)
	}
	return n, true
}

func (g *graph) unlink(owner, dependent types.UID) {
	delete(g.dependents[owner], dependent)
	if len(g.dependents[owner]) == 0 {
		delete(g.dependents, owner)
	}
}

// get returns a copy of what is known of uid.
func (g *graph) get(uid types.UID) (node, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n, ok := g.nodes[uid]
	if !ok {
		return node{}, false
	}
	return *n, true
}

// dependentsOf returns the objects that name owner, as the graph knows them.
func (g *graph) dependentsOf(owner types.UID) []node {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []node
	for uid := range g.dependents[owner] {
		if n, ok := g.nodes[uid]; ok {
			out = append(out, *n)
		}
	}
	return out
}

func names(refs []metav1.OwnerReference, uid types.UID) bool {
	for _, r := range refs {
		if r.UID == uid {
			return true
		}
	}
	return false
}
