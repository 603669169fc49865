//go:build !solutions

package core

import impl "github.com/ownkube/ownkube/exercises/kubelet"

var (
	Plan           = impl.Plan
	Status         = impl.Status
	ShouldRestart  = impl.ShouldRestart
	RestartDelay   = impl.RestartDelay
	RenewLease     = impl.RenewLease
	ReadyCondition = impl.ReadyCondition
)
