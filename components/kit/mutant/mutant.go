// Package mutant names the known-bad variants of the learner's regions
// (mutants) and picks the one a process runs.
//
// The kit proves its grader with them: a build with `-tags
// solutions,mutants` links every variant (components/kit/mutants/...), and
// the shims (components/*/core and their siblings) swap in, at init, the
// one named by OWNKUBE_MUTANT; the kill run (components/kit/killrun) then
// checks that its stage's tests fail. This package is a leaf: it holds no
// learner code, so every build may import it, and the default and
// solutions builds, which register nothing, run the learner's code or the
// reference unchanged.
package mutant

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"sync"
)

// EnvVar names the variable that picks the mutant a process runs; empty
// (or unset) runs none. The cluster passes it on to every container it
// starts, so one value reaches every component of a stage.
const EnvVar = "OWNKUBE_MUTANT"

// Name is the mutant this process runs, "" for none.
func Name() string { return os.Getenv(EnvVar) }

// Mutant describes one known-bad variant of a learner's region.
type Mutant struct {
	// Name is "<package>/<what is wrong>", the value of OWNKUBE_MUTANT.
	Name string
	// Package is the learner's package of the region (exercises/<Package>).
	Package string
	// Stage is the stage of the region (//ownkube:begin stage=N): the
	// stage whose specs must kill it.
	Stage int
	// Description says what the variant does differently.
	Description string
	// Breaks says what a user of the cluster would see go wrong.
	Breaks string
}

var (
	mu       sync.Mutex
	registry = map[string]Mutant{}
)

// Register adds m to the registry and returns it, so that a variant can be
// declared as a package-level var beside its code. Registering a name twice,
// or one without its package and stage, is a bug in the kit: it panics.
func Register(m Mutant) Mutant {
	if m.Name == "" || m.Package == "" || m.Stage < 1 {
		panic(fmt.Sprintf("mutant: %+v needs a name, a package and a stage", m))
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[m.Name]; dup {
		panic("mutant: " + m.Name + " registered twice")
	}
	registry[m.Name] = m
	return m
}

// All returns the registered mutants by stage, then name.
func All() []Mutant {
	mu.Lock()
	defer mu.Unlock()
	all := make([]Mutant, 0, len(registry))
	for _, m := range registry {
		all = append(all, m)
	}
	slices.SortFunc(all, func(a, b Mutant) int { return cmp.Or(cmp.Compare(a.Stage, b.Stage), cmp.Compare(a.Name, b.Name)) })
	return all
}

// Lookup returns the registered mutant called name.
func Lookup(name string) (Mutant, bool) {
	mu.Lock()
	defer mu.Unlock()
	m, ok := registry[name]
	return m, ok
}

// Use is the shims' helper: when variants holds a variant for the mutant
// this process runs (Name), it replaces *fn with it. A shim calls it from
// an init() of its mutants-only file, once per function it exports, so a
// mutant of another package leaves fn as the reference set it.
func Use[F any](fn *F, variants map[string]F) {
	if v, ok := variants[Name()]; ok {
		*fn = v
	}
}
