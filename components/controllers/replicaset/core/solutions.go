//go:build solutions

package core

import impl "github.com/ownkube/ownkube/solutions/replicaset"

// Manage decides how many pods a ReplicaSet creates and which it deletes.
var Manage = impl.Manage
