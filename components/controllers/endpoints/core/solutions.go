//go:build solutions

package core

import impl "github.com/ownkube/ownkube/solutions/endpoints"

var (
	Endpoints  = impl.Endpoints
	TargetPort = impl.TargetPort
)
