//go:build solutions && mutants

package algorithm

import (
	"github.com/ownkube/ownkube/components/kit/mutant"
	variants "github.com/ownkube/ownkube/components/kit/mutants/scheduler"
)

// init swaps in the variants of the mutant $OWNKUBE_MUTANT names, where it
// is one of this package's (components/kit/mutants/scheduler); any other
// name leaves the reference in place.
func init() {
	mutant.Use(&Schedule, variants.Schedule)
	mutant.Use(&Feasible, variants.Feasible)
	mutant.Use(&Filter, variants.Filter)
	mutant.Use(&Score, variants.Score)
}
