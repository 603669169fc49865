//go:build solutions

package algorithm

import impl "github.com/ownkube/ownkube/solutions/scheduler"

type (
	Resources = impl.Resources
	HostPort  = impl.HostPort
	PodInfo   = impl.PodInfo
	NodeInfo  = impl.NodeInfo
	Snapshot  = impl.Snapshot
	NodeScore = impl.NodeScore
	Unfit     = impl.Unfit
	FitError  = impl.FitError
)

const (
	ReasonNotReady           = impl.ReasonNotReady
	ReasonUnschedulable      = impl.ReasonUnschedulable
	ReasonNodeSelector       = impl.ReasonNodeSelector
	ReasonHostPorts          = impl.ReasonHostPorts
	ReasonTooManyPods        = impl.ReasonTooManyPods
	ReasonInsufficientCPU    = impl.ReasonInsufficientCPU
	ReasonInsufficientMemory = impl.ReasonInsufficientMemory
	NoNodesMessage           = impl.NoNodesMessage

	MaxScore             = impl.MaxScore
	LeastAllocatedWeight = impl.LeastAllocatedWeight
	SpreadWeight         = impl.SpreadWeight

	DefaultMilliCPURequest = impl.DefaultMilliCPURequest
	DefaultMemoryRequest   = impl.DefaultMemoryRequest
)

var ErrNoNodes = impl.ErrNoNodes

// Given.
var (
	ReasonUntoleratedTaint = impl.ReasonUntoleratedTaint
	NewPodInfo             = impl.NewPodInfo
	PodRequests            = impl.PodRequests
	NewNodeInfo            = impl.NewNodeInfo
	Refuse                 = impl.Refuse
)

// Written by the learner (stage 5).
var (
	Schedule      = impl.Schedule
	Feasible      = impl.Feasible
	Unschedulable = impl.Unschedulable
	Filter        = impl.Filter
	Score         = impl.Score
	Pick          = impl.Pick
)
