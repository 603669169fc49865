package exgen

import (
	"bytes"
	"cmp"
	"errors"
	"io/fs"
	"maps"
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

// Diff compares dir with files as Write would leave it (the sum file
// included) and lists every differing, missing and extra file, sorted.
func Diff(dir string, files map[string][]byte) ([]Drift, error) {
	want := maps.Clone(files)
	want[SumFile] = SumOf(files)
	var have []string
	if _, err := os.Stat(dir); err == nil {
		if have, err = listFiles(dir); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var drifts []Drift
	for _, rel := range have {
		data, ok := want[rel]
		switch {
		case !ok:
			drifts = append(drifts, Drift{display(dir, rel), "extra: no solution generates it"})
		case !sameFile(dir, rel, data):
			drifts = append(drifts, Drift{display(dir, rel), "differs from what solutions/ generates"})
		}
	}
	for _, rel := range slices.Sorted(maps.Keys(want)) {
		if !slices.Contains(have, rel) {
			drifts = append(drifts, Drift{display(dir, rel), "missing"})
		}
	}
	slices.SortFunc(drifts, func(a, b Drift) int { return cmp.Compare(a.Path, b.Path) })
	return drifts, nil
}

func sameFile(dir, rel string, data []byte) bool {
	cur, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	return err == nil && bytes.Equal(cur, data)
}
