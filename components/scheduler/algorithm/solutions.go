//go:build solutions

package algorithm

import impl "github.com/ownkube/ownkube/solutions/scheduler"

// Written by the learner (stage 5).
var (
	Schedule      = impl.Schedule
	Feasible      = impl.Feasible
	Unschedulable = impl.Unschedulable
	Filter        = impl.Filter
	Score         = impl.Score
	Pick          = impl.Pick
)
