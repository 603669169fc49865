//go:build solutions

package core

import impl "github.com/ownkube/ownkube/solutions/nodelifecycle"

var (
	Unreachable  = impl.Unreachable
	EvictionRate = impl.EvictionRate
	Evictions    = impl.Evictions
)
