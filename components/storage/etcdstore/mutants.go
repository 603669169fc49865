//go:build solutions && mutants

package etcdstore

import (
	"github.com/ownkube/ownkube/components/kit/mutant"
	variants "github.com/ownkube/ownkube/components/kit/mutants/etcdstore"
)

// init swaps in the variants of the mutant $OWNKUBE_MUTANT names, where it
// is one of this package's (components/kit/mutants/etcdstore); any other
// name leaves the reference in place.
func init() {
	mutant.Use(&Create, variants.Create)
	mutant.Use(&Update, variants.Update)
	mutant.Use(&Watch, variants.Watch)
	mutant.Use(&TranslateEvent, variants.TranslateEvent)
}
