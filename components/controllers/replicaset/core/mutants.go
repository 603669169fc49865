//go:build solutions && mutants

package core

import (
	"github.com/ownkube/ownkube/components/kit/mutant"
	variants "github.com/ownkube/ownkube/components/kit/mutants/replicaset"
)

// init swaps in the variants of the mutant $OWNKUBE_MUTANT names, where it
// is one of this package's (components/kit/mutants/replicaset); any other
// name leaves the reference in place.
func init() {
	mutant.Use(&Manage, variants.Manage)
}
