//go:build solutions && mutants

package core

import (
	"github.com/ownkube/ownkube/components/kit/mutant"
	variants "github.com/ownkube/ownkube/components/kit/mutants/kubelet"
)

// init swaps in the variants of the mutant $OWNKUBE_MUTANT names, where it
// is one of this package's (components/kit/mutants/kubelet); any other
// name leaves the reference in place.
func init() {
	mutant.Use(&Plan, variants.Plan)
	mutant.Use(&Status, variants.Status)
	mutant.Use(&ShouldRestart, variants.ShouldRestart)
	mutant.Use(&RenewLease, variants.RenewLease)
	mutant.Use(&ReadyCondition, variants.ReadyCondition)
}
