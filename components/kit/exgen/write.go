package exgen

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// WriteReport says what Write did.
type WriteReport struct {
	Written  int      // files now as generated, written or already so
	Deleted  []string // files whose solution is gone, removed unedited
	Warnings []string // one line per file left alone
}

// Write puts files into dir, except over a learner's work: a file that no
// longer matches what exgen last wrote there (or that exgen never wrote) is
// left alone with a warning, unless force. A file whose solution is gone is
// deleted only if unedited, even with force: deleting work cannot be undone.
func Write(dir string, files map[string][]byte, force bool) (*WriteReport, error) {
	old, err := readSum(dir)
	if err != nil {
		return nil, err
	}
	rep := &WriteReport{}
	records := map[string]string{}
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		wrote, err := writeOne(dir, rel, files[rel], old[rel], force)
		if err != nil {
			return nil, err
		}
		if !wrote {
			rep.Warnings = append(rep.Warnings, display(dir, rel)+": edited since it was generated; left alone (use -force to overwrite)")
			if h, ok := old[rel]; ok {
				records[rel] = h // still what exgen last wrote: the edit stays visible
			}
			continue
		}
		records[rel] = hashOf(files[rel])
		rep.Written++
	}
	if err := removeStale(dir, files, old, rep); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, SumFile), formatSum(records), 0o644); err != nil {
		return nil, fmt.Errorf("exgen: %w", err)
	}
	return rep, nil
}

// writeOne writes data to dir/rel unless a learner edited the file there;
// recorded is the hash exgen last wrote it with. It reports whether the file
// now holds data.
func writeOne(dir, rel string, data []byte, recorded string, force bool) (bool, error) {
	name := filepath.Join(dir, filepath.FromSlash(rel))
	cur, err := os.ReadFile(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return false, fmt.Errorf("exgen: %w", err)
	case bytes.Equal(cur, data):
		return true, nil
	case !force && hashOf(cur) != recorded:
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return false, fmt.Errorf("exgen: %w", err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		return false, fmt.Errorf("exgen: %w", err)
	}
	return true, nil
}

// removeStale deletes the files exgen wrote whose solution is gone, if
// unedited, and the directories that leaves empty.
func removeStale(dir string, files map[string][]byte, old map[string]string, rep *WriteReport) error {
	for _, rel := range slices.Sorted(maps.Keys(old)) {
		if _, ok := files[rel]; ok {
			continue
		}
		name := filepath.Join(dir, filepath.FromSlash(rel))
		cur, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("exgen: %w", err)
		}
		if hashOf(cur) != old[rel] {
			rep.Warnings = append(rep.Warnings, display(dir, rel)+": its solution is gone, but it was edited since it was generated; left alone")
			continue
		}
		if err := os.Remove(name); err != nil {
			return fmt.Errorf("exgen: %w", err)
		}
		removeEmptyParents(dir, filepath.Dir(name))
		rep.Deleted = append(rep.Deleted, display(dir, rel))
	}
	return nil
}

// removeEmptyParents removes d and its parents up to root while they are
// empty; os.Remove refuses a directory that is not.
func removeEmptyParents(root, d string) {
	for d != root && len(d) > len(root) && os.Remove(d) == nil {
		d = filepath.Dir(d)
	}
}

func display(dir, rel string) string {
	return filepath.ToSlash(filepath.Join(dir, filepath.FromSlash(rel)))
}
