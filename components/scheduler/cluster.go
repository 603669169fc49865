package scheduler

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ownkube/ownkube/components/kit/exercise"
	"github.com/ownkube/ownkube/components/scheduler/algorithm"
	"github.com/ownkube/ownkube/components/scheduler/snapshot"
)

// cluster is what the scheduler knows of the cluster: a NodeInfo per node,
// counting every pod bound to it, or assumed bound by this scheduler while
// the informer has not yet shown the binding. It is kept up to date one
// informer event at a time, never rebuilt: a decision costs O(nodes), not
// O(pods).
//
// Decisions read the snapshot under the read lock, so nothing changes
// under the algorithm's feet; events and assumptions take the write lock.
type cluster struct {
	mu    sync.RWMutex
	nodes map[string]*snapshot.NodeInfo // by node name; Node is nil while only pods name it
	pods  map[types.UID]placement       // every pod counted, and where
	snap  snapshot.Snapshot             // the NodeInfos whose node is known
	index map[string]int                // node name → position in snap.Nodes
}

// placement is where a counted pod is.
type placement struct {
	node    string
	assumed bool // bound by this scheduler, the binding not yet seen by the informer
}

func newCluster() *cluster {
	return &cluster{nodes: map[string]*snapshot.NodeInfo{}, pods: map[types.UID]placement{}, index: map[string]int{}}
}

// schedule runs the algorithm for pod over the current snapshot. A panic
// of the learner's algorithm (a stub of a helper, a bug) is its error.
func (c *cluster) schedule(pod *corev1.Pod) (node string, err error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	defer func() {
		if p := recover(); p != nil {
			node, err = "", exercise.Recovered(p)
		}
	}()
	return algorithm.Schedule(pod, &c.snap)
}

// setNode adds node or replaces what is known of it, keeping its pods.
func (c *cluster) setNode(node *corev1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	info := c.nodeInfo(node.Name)
	info.SetNode(node)
	if _, ok := c.index[node.Name]; !ok {
		c.index[node.Name] = len(c.snap.Nodes)
		c.snap.Nodes = append(c.snap.Nodes, info)
	}
}

// removeNode takes the node out of the snapshot. Pods still bound to it
// stay counted until they are deleted in turn.
func (c *cluster) removeNode(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	info, ok := c.nodes[name]
	if !ok {
		return
	}
	info.SetNode(nil)
	c.dropFromSnapshot(name)
	c.dropIfEmpty(name, info)
}

// addPod counts pod, bound to pod.Spec.NodeName as the informer shows it;
// an assumption about the same pod becomes fact, or moves to where the pod
// really is.
func (c *cluster) addPod(pod *corev1.Pod) {
	c.place(pod, pod.Spec.NodeName, false)
}

// assume counts pod on node at once, before the binding is written, so
// that the next decision already sees the room it takes.
func (c *cluster) assume(pod *corev1.Pod, node string) {
	c.place(pod, node, true)
}

func (c *cluster) place(pod *corev1.Pod, node string, assumed bool) {
	info := snapshot.NewPodInfo(pod)
	c.mu.Lock()
	defer c.mu.Unlock()
	if was, ok := c.pods[pod.UID]; ok && was.node != node {
		c.unplace(pod.UID, was)
	}
	c.nodeInfo(node).AddPod(info)
	c.pods[pod.UID] = placement{node: node, assumed: assumed}
}

// forget drops an assumption whose binding failed; a pod the informer has
// since shown bound stays counted.
func (c *cluster) forget(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if was, ok := c.pods[uid]; ok && was.assumed {
		c.unplace(uid, was)
	}
}

// removePod stops counting the pod, bound or assumed; it reports whether
// the pod was counted, that is whether its room is now free.
func (c *cluster) removePod(uid types.UID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	was, ok := c.pods[uid]
	if ok {
		c.unplace(uid, was)
	}
	return ok
}

// counted reports whether the pod is counted on a node: bound, or assumed.
func (c *cluster) counted(uid types.UID) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.pods[uid]
	return ok
}

// size is the number of known nodes and of counted pods.
func (c *cluster) size() (nodes, pods int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.snap.Nodes), len(c.pods)
}

func (c *cluster) unplace(uid types.UID, was placement) {
	delete(c.pods, uid)
	if info, ok := c.nodes[was.node]; ok {
		info.RemovePod(uid)
		c.dropIfEmpty(was.node, info)
	}
}

// nodeInfo returns the NodeInfo of name, creating an empty one without its
// node if there is none: pods can be seen before their node.
func (c *cluster) nodeInfo(name string) *snapshot.NodeInfo {
	info, ok := c.nodes[name]
	if !ok {
		info = snapshot.NewNodeInfo(nil)
		c.nodes[name] = info
	}
	return info
}

// dropIfEmpty forgets a NodeInfo that has neither node nor pods.
func (c *cluster) dropIfEmpty(name string, info *snapshot.NodeInfo) {
	if info.Node == nil && info.NumPods() == 0 {
		delete(c.nodes, name)
	}
}

// dropFromSnapshot removes a node from the snapshot in O(1): the last node
// takes its place.
func (c *cluster) dropFromSnapshot(name string) {
	i, ok := c.index[name]
	if !ok {
		return
	}
	last := len(c.snap.Nodes) - 1
	moved := c.snap.Nodes[last]
	c.snap.Nodes[i] = moved
	c.snap.Nodes[last] = nil
	c.snap.Nodes = c.snap.Nodes[:last]
	delete(c.index, name)
	if i != last {
		c.index[moved.Name()] = i
	}
}
