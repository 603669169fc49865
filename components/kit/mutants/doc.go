//go:build solutions && mutants

// Package mutants links every known-bad variant of the learner's regions:
// one subpackage per learner package, each variant a wrapper around (or a
// copy of) the reference in solutions/<package> with one deliberate bug,
// registered with components/kit/mutant under the name OWNKUBE_MUTANT
// selects it by. The shims' mutants-only files (components/*/core/mutants.go
// and their kin) swap the selected variant in at init.
//
// Adding one: write the variant beside its kin in mutants/<package>, add
// it to the map of the function it replaces, register its name, stage and
// what it breaks; `go run -tags solutions,mutants ./components/cmd/mutants`
// then shows which test kills it.
//
// Nothing here is compiled without both tags, and a student release drops
// the directory: it imports the solutions.
package mutants

import (
	// Every variant, so that All lists them.
	"github.com/ownkube/ownkube/components/kit/mutant"
	_ "github.com/ownkube/ownkube/components/kit/mutants/endpoints"
	_ "github.com/ownkube/ownkube/components/kit/mutants/etcdstore"
	_ "github.com/ownkube/ownkube/components/kit/mutants/kubelet"
	_ "github.com/ownkube/ownkube/components/kit/mutants/nodelifecycle"
	_ "github.com/ownkube/ownkube/components/kit/mutants/replicaset"
	_ "github.com/ownkube/ownkube/components/kit/mutants/scheduler"
)

// All is every mutant the build links, by stage then name.
func All() []mutant.Mutant { return mutant.All() }
