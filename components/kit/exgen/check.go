package exgen

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Drift is one way exercises/ differs from what solutions/ generates.
type Drift struct {
	Path    string // as displayed: exercises/<rel>
	Problem string
}

func (d Drift) String() string { return d.Path + ": " + d.Problem }

// CheckReport is the drift check's outcome.
type CheckReport struct {
	Drifts []Drift
	// Learner lists the files that hold a learner's work (exercises/<rel>):
	// the check skips their edited regions, or the whole file when it was
	// edited elsewhere, and make check grades them instead.
	Learner []string
	// Regions counts the learner's regions in the files merged around them.
	Regions int
}

// Check compares dir with files as Write would leave it (the records
// included) and lists every file Write would change, sorted: drift, except
// where Write keeps a learner's work. A file that nobody edited but that no
// longer matches solutions/ is drift; so is a learner's file whose given code
// Write would bring up to date.
func Check(dir string, files map[string][]byte) (*CheckReport, error) {
	p, err := makePlan(dir, files, false)
	if err != nil {
		return nil, err
	}
	rep := &CheckReport{}
	for _, s := range p.steps {
		if s.learner != 0 {
			rep.Learner = append(rep.Learner, display(dir, s.rel))
			rep.Regions += max(0, s.learner)
		}
		if d, ok := driftOf(dir, s); ok {
			rep.Drifts = append(rep.Drifts, d)
		}
	}
	extra, err := unrecorded(dir, files, p)
	if err != nil {
		return nil, err
	}
	rep.Learner = append(rep.Learner, extra...)
	for file, want := range map[string]map[string]string{SumFile: p.records.files, RegionsFile: p.records.regions} {
		if !sameFile(dir, file, formatSum(want)) {
			rep.Drifts = append(rep.Drifts, Drift{display(dir, file), "stale: run make exercises"})
		}
	}
	slices.SortFunc(rep.Drifts, func(a, b Drift) int { return cmp.Compare(a.Path, b.Path) })
	slices.Sort(rep.Learner)
	return rep, nil
}

// driftOf says how dir differs from what step s would make of it.
func driftOf(dir string, s step) (Drift, bool) {
	path := display(dir, s.rel)
	cur, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(s.rel)))
	switch {
	case s.remove:
		return Drift{path, "extra: no solution generates it"}, true
	case s.keep:
		return Drift{}, false // a learner's, left alone
	case err != nil:
		return Drift{path, "missing"}, true
	case bytes.Equal(cur, s.data):
		return Drift{}, false
	case s.learner > 0:
		return Drift{path, "given code outside your regions differs from what solutions/ generates: run make exercises (it keeps your regions)"}, true
	}
	return Drift{path, "differs from what solutions/ generates"}, true
}

// unrecorded lists the files in dir that exgen neither writes nor ever
// wrote: a learner's own.
func unrecorded(dir string, files map[string][]byte, p *plan) ([]string, error) {
	have, err := listFiles(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	planned := map[string]bool{SumFile: true, RegionsFile: true}
	for _, s := range p.steps {
		planned[s.rel] = true
	}
	var extra []string
	for _, rel := range have {
		if _, ok := files[rel]; !ok && !planned[rel] {
			extra = append(extra, display(dir, rel))
		}
	}
	return extra, nil
}

func sameFile(dir, rel string, data []byte) bool {
	cur, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	return err == nil && bytes.Equal(cur, data)
}

// Summary is the one line that says how many files are the learner's.
func (r *CheckReport) Summary() string {
	return learnerLine(len(r.Learner), r.Regions)
}

func learnerLine(files, regions int) string {
	if files == 0 {
		return ""
	}
	s := fmt.Sprintf("%d %s in exercises/ %s the learner's", files, plural(files, "file", "files"), plural(files, "is", "are"))
	if regions > 0 {
		s += fmt.Sprintf(" (%d edited %s)", regions, plural(regions, "region", "regions"))
	}
	return s + ": skipped here, graded by make check instead"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
