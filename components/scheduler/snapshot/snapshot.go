package snapshot

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The reasons a node refuses a pod, in kube-scheduler's words: they are what
// a user reads in `kubectl describe pod`, and what tools match on.
const (
	ReasonNotReady           = "node(s) were not ready"
	ReasonUnschedulable      = "node(s) were unschedulable"
	ReasonNodeSelector       = "node(s) didn't match Pod's node affinity/selector"
	ReasonHostPorts          = "node(s) didn't have free ports for the requested pod ports"
	ReasonTooManyPods        = "Too many pods"
	ReasonInsufficientCPU    = "Insufficient cpu"
	ReasonInsufficientMemory = "Insufficient memory"
)

// ReasonUntoleratedTaint is the reason a node refuses a pod that does not
// tolerate its taint: "node(s) had untolerated taint {key: value}".
func ReasonUntoleratedTaint(taint *corev1.Taint) string {
	return fmt.Sprintf("node(s) had untolerated taint {%s: %s}", taint.Key, taint.Value)
}

// NoNodesMessage is the whole message when the cluster has no node at all,
// as kube-scheduler says it.
const NoNodesMessage = "no nodes available to schedule pods"

// The scoring scale and the weight of each part (see the package doc).
const (
	MaxScore             = 100
	LeastAllocatedWeight = 1
	SpreadWeight         = 2
)

// The requests kube assumes, for scoring only, of a container that states
// none: 100 millicores and 200 MiB.
const (
	DefaultMilliCPURequest = 100
	DefaultMemoryRequest   = 200 * 1024 * 1024
)

// ErrNoNodes is Pick's answer when it is given nothing to pick from.
var ErrNoNodes = errors.New("scheduler: no nodes to pick from")

// Resources are amounts of cpu, in millicores, and memory, in bytes.
type Resources struct {
	MilliCPU int64
	Memory   int64
}

// Add returns r + o.
func (r Resources) Add(o Resources) Resources {
	return Resources{MilliCPU: r.MilliCPU + o.MilliCPU, Memory: r.Memory + o.Memory}
}

// Sub returns r - o.
func (r Resources) Sub(o Resources) Resources {
	return Resources{MilliCPU: r.MilliCPU - o.MilliCPU, Memory: r.Memory - o.Memory}
}

// Max returns the larger of r and o, resource by resource.
func (r Resources) Max(o Resources) Resources {
	return Resources{MilliCPU: max(r.MilliCPU, o.MilliCPU), Memory: max(r.Memory, o.Memory)}
}

// HostPort is one port a container asks the node for (containers[*].ports[*]
// with hostPort set). IP and Protocol are as the pod states them: "" and
// "0.0.0.0" both mean every address of the node; "" means TCP.
type HostPort struct {
	IP       string
	Protocol corev1.Protocol
	Port     int32
}

// PodInfo is a pod with what the scheduler reads of it computed once, so
// that checking it against a thousand nodes does not parse its quantities a
// thousand times.
type PodInfo struct {
	Pod *corev1.Pod
	// Requests is what the pod needs reserved on its node (PodRequests).
	Requests Resources
	// NonZeroRequests is Requests with kube's defaults for containers that
	// state none: what scoring counts.
	NonZeroRequests Resources
	// HostPorts are the node ports its containers ask for.
	HostPorts []HostPort
	// Owner is the UID of the pod's controller (the ownerReference with
	// controller=true), "" when it has none.
	Owner types.UID
}

// NewPodInfo computes what the scheduler reads of pod.
func NewPodInfo(pod *corev1.Pod) *PodInfo {
	info := &PodInfo{
		Pod:             pod,
		Requests:        podRequests(pod, false),
		NonZeroRequests: podRequests(pod, true),
	}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort > 0 {
				info.HostPorts = append(info.HostPorts, HostPort{IP: p.HostIP, Protocol: p.Protocol, Port: p.HostPort})
			}
		}
	}
	if ref := metav1.GetControllerOf(pod); ref != nil {
		info.Owner = ref.UID
	}
	return info
}

// PodRequests is the cpu and memory a pod needs reserved, as kube computes
// it: the sum over its containers and sidecars (init containers with
// restartPolicy Always), or, if more, the peak while init containers run
// one at a time beside the sidecars started before them; plus the pod's
// overhead.
func PodRequests(pod *corev1.Pod) Resources { return podRequests(pod, false) }

func podRequests(pod *corev1.Pod, nonZero bool) Resources {
	var sum, sidecars, initPeak Resources
	for i := range pod.Spec.Containers {
		sum = sum.Add(containerRequests(&pod.Spec.Containers[i], nonZero))
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		r := containerRequests(c, nonZero)
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars = sidecars.Add(r)
			initPeak = initPeak.Max(sidecars)
			continue
		}
		initPeak = initPeak.Max(sidecars.Add(r))
	}
	return sum.Add(sidecars).Max(initPeak).Add(resourcesOf(pod.Spec.Overhead))
}

func containerRequests(c *corev1.Container, nonZero bool) Resources {
	r := resourcesOf(c.Resources.Requests)
	if nonZero {
		if _, ok := c.Resources.Requests[corev1.ResourceCPU]; !ok {
			r.MilliCPU = DefaultMilliCPURequest
		}
		if _, ok := c.Resources.Requests[corev1.ResourceMemory]; !ok {
			r.Memory = DefaultMemoryRequest
		}
	}
	return r
}

func resourcesOf(list corev1.ResourceList) Resources {
	var r Resources
	if q, ok := list[corev1.ResourceCPU]; ok {
		r.MilliCPU = q.MilliValue()
	}
	if q, ok := list[corev1.ResourceMemory]; ok {
		r.Memory = q.Value()
	}
	return r
}

// NodeInfo is one node as the scheduler sees it: the node and the sums over
// the pods bound to it. The shell keeps one per node, up to date through
// SetNode, AddPod and RemovePod as events arrive; the algorithm only reads
// it. Read the exported fields; never write them.
type NodeInfo struct {
	// Node is nil while pods name a node the shell has not seen (yet).
	Node *corev1.Node
	// Allocatable is the node's status.allocatable cpu and memory, and
	// AllowedPods its allocatable pods: 0 when the node does not say.
	Allocatable Resources
	AllowedPods int
	// Requested and NonZeroRequested are the sums of the pods' Requests
	// and NonZeroRequests.
	Requested        Resources
	NonZeroRequested Resources
	// UsedPorts counts the pods using each host port.
	UsedPorts map[HostPort]int

	pods  map[types.UID]*PodInfo
	owned map[types.UID]int // controller UID → pods here
}

// NewNodeInfo returns the NodeInfo of node (which may be nil) with pods
// bound to it.
func NewNodeInfo(node *corev1.Node, pods ...*corev1.Pod) *NodeInfo {
	n := &NodeInfo{UsedPorts: map[HostPort]int{}, pods: map[types.UID]*PodInfo{}, owned: map[types.UID]int{}}
	n.SetNode(node)
	for _, p := range pods {
		n.AddPod(NewPodInfo(p))
	}
	return n
}

// Name is the node's name, "" when the node is not known.
func (n *NodeInfo) Name() string {
	if n.Node == nil {
		return ""
	}
	return n.Node.Name
}

// SetNode replaces the node, keeping its pods.
func (n *NodeInfo) SetNode(node *corev1.Node) {
	n.Node, n.Allocatable, n.AllowedPods = node, Resources{}, 0
	if node == nil {
		return
	}
	n.Allocatable = resourcesOf(node.Status.Allocatable)
	if q, ok := node.Status.Allocatable[corev1.ResourcePods]; ok {
		n.AllowedPods = int(q.Value())
	}
}

// AddPod counts pod on the node; a pod of the same UID already there is
// replaced, so adding the same pod twice counts it once.
func (n *NodeInfo) AddPod(pod *PodInfo) {
	n.RemovePod(pod.Pod.UID)
	n.pods[pod.Pod.UID] = pod
	n.account(pod, 1)
}

// RemovePod stops counting the pod of that UID; it reports whether the pod
// was there.
func (n *NodeInfo) RemovePod(uid types.UID) bool {
	pod, ok := n.pods[uid]
	if !ok {
		return false
	}
	delete(n.pods, uid)
	n.account(pod, -1)
	return true
}

func (n *NodeInfo) account(pod *PodInfo, sign int64) {
	n.Requested = n.Requested.Add(Resources{MilliCPU: sign * pod.Requests.MilliCPU, Memory: sign * pod.Requests.Memory})
	n.NonZeroRequested = n.NonZeroRequested.Add(Resources{
		MilliCPU: sign * pod.NonZeroRequests.MilliCPU, Memory: sign * pod.NonZeroRequests.Memory})
	for _, p := range pod.HostPorts {
		countIn(n.UsedPorts, p, int(sign))
	}
	if pod.Owner != "" {
		countIn(n.owned, pod.Owner, int(sign))
	}
}

func countIn[K comparable](m map[K]int, k K, delta int) {
	if m[k] += delta; m[k] <= 0 {
		delete(m, k)
	}
}

// NumPods is the number of pods bound to the node.
func (n *NodeInfo) NumPods() int { return len(n.pods) }

// OwnedPods is the number of pods on the node whose controller has UID
// owner; 0 for owner "".
func (n *NodeInfo) OwnedPods(owner types.UID) int { return n.owned[owner] }

// Snapshot is the cluster as the scheduler sees it for one decision: the
// nodes it may place pods on, in no particular order. The shell keeps it up
// to date and does not change it while Schedule runs.
type Snapshot struct {
	Nodes []*NodeInfo
}

// NodeScore is one feasible node and its score: higher is better.
type NodeScore struct {
	Name  string
	Score int64
}

// Unfit is a filter's answer when a node cannot take a pod: why, in kube's
// words (the Reason constants).
type Unfit struct {
	Reasons []string
}

// Refuse returns the *Unfit error for reasons.
func Refuse(reasons ...string) error { return &Unfit{Reasons: reasons} }

func (u *Unfit) Error() string { return fmt.Sprintf("node does not fit: %v", u.Reasons) }

// FitError is Schedule's answer when no node can take the pod.
type FitError struct {
	// NumNodes is the number of nodes considered.
	NumNodes int
	// Reasons counts, for each reason, the nodes that refused the pod for it.
	Reasons map[string]int
	// Message is what the user reads on the pod's PodScheduled condition
	// and its FailedScheduling event.
	Message string
}

func (e *FitError) Error() string { return e.Message }
