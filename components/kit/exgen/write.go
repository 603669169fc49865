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
	Merged   []string // a learner's files whose given code was regenerated, their regions kept
	Deleted  []string // files whose solution is gone, removed unedited
	Warnings []string // one line per file left alone or region kept against a changed stub
}

// step is what Write does to one file, and what Check compares with disk.
type step struct {
	rel     string
	data    []byte // what the file will hold, unless keep or remove
	keep    bool   // left as it is
	remove  bool
	learner int // regions of a learner's the file keeps; -1: the whole file is theirs
	warns   []string
}

// plan is every step of one Write, and the records it leaves.
type plan struct {
	steps   []step
	records records
}

// Write puts files into dir, except over a learner's work. A file that no
// longer matches what exgen last wrote there is merged when it is a Go file
// whose edits are all inside its regions (and its imports): the given code
// is regenerated, the learner's regions kept. Any other edited file, and a
// file exgen never wrote, is left alone with a warning unless force. A file
// whose solution is gone is deleted only if unedited, even with force:
// deleting work cannot be undone.
func Write(dir string, files map[string][]byte, force bool) (*WriteReport, error) {
	p, err := makePlan(dir, files, force)
	if err != nil {
		return nil, err
	}
	rep := &WriteReport{}
	for _, s := range p.steps {
		rep.Warnings = append(rep.Warnings, s.warns...)
		if err := apply(dir, s, rep); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("exgen: %w", err)
	}
	if err := p.records.write(dir); err != nil {
		return nil, err
	}
	return rep, nil
}

func apply(dir string, s step, rep *WriteReport) error {
	name := filepath.Join(dir, filepath.FromSlash(s.rel))
	switch {
	case s.remove:
		if err := os.Remove(name); err != nil {
			return fmt.Errorf("exgen: %w", err)
		}
		removeEmptyParents(dir, filepath.Dir(name))
		rep.Deleted = append(rep.Deleted, display(dir, s.rel))
		return nil
	case s.keep:
		return nil
	}
	if s.learner == 0 {
		rep.Written++
	}
	if cur, err := os.ReadFile(name); err == nil && bytes.Equal(cur, s.data) {
		return nil
	}
	if s.learner > 0 {
		rep.Merged = append(rep.Merged, display(dir, s.rel)) // news only when it changes
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("exgen: %w", err)
	}
	if err := os.WriteFile(name, s.data, 0o644); err != nil {
		return fmt.Errorf("exgen: %w", err)
	}
	return nil
}

// makePlan decides, file by file, what Write does; it writes nothing.
func makePlan(dir string, files map[string][]byte, force bool) (*plan, error) {
	old, err := readRecords(dir)
	if err != nil {
		return nil, err
	}
	p := &plan{records: records{files: map[string]string{}, regions: map[string]string{}}}
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		s, err := planOne(dir, rel, files[rel], old, p.records, force)
		if err != nil {
			return nil, err
		}
		p.steps = append(p.steps, s)
	}
	stale, err := planStale(dir, files, old)
	if err != nil {
		return nil, err
	}
	p.steps = append(p.steps, stale...)
	return p, nil
}

// planOne decides for one generated file and fills rec with what it leaves.
func planOne(dir, rel string, data []byte, old, rec records, force bool) (step, error) {
	cur, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return step{}, fmt.Errorf("exgen: %w", err)
	case force, bytes.Equal(cur, data), hashOf(cur) == old.files[rel]:
	default:
		return planEdited(dir, rel, data, cur, old, rec)
	}
	return step{rel: rel, data: data}, rec.set(rel, data)
}

// planEdited decides for a file a learner edited: merge it, or leave it.
func planEdited(dir, rel string, data, cur []byte, old, rec records) (step, error) {
	spans, err := regionSpans(rel, data)
	if err != nil {
		return step{}, err
	}
	if len(spans) > 0 {
		m, err := merge(rel, data, cur, old)
		if err != nil {
			return step{}, err
		}
		if m.why == "" {
			if err := rec.set(rel, data); err != nil {
				return step{}, err
			}
			maps.Copy(rec.regions, m.keepRecords)
			return step{rel: rel, data: m.out, learner: m.learner, warns: prefix(dir, rel, m.warns)}, nil
		}
		rec.keep(rel, old)
		return step{rel: rel, keep: true, learner: -1, warns: []string{display(dir, rel) + ": " + m.why + "; left alone (use -force to overwrite)"}}, nil
	}
	rec.keep(rel, old)
	return step{rel: rel, keep: true, learner: -1, warns: []string{display(dir, rel) + ": edited since it was generated; left alone (use -force to overwrite)"}}, nil
}

func prefix(dir, rel string, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = display(dir, rel) + ": " + l
	}
	return out
}

// planStale decides for the files exgen wrote whose solution is gone: an
// unedited one is removed, an edited one left alone (it keeps no record).
func planStale(dir string, files map[string][]byte, old records) ([]step, error) {
	var steps []step
	for _, rel := range slices.Sorted(maps.Keys(old.files)) {
		if _, ok := files[rel]; ok {
			continue
		}
		cur, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("exgen: %w", err)
		}
		if hashOf(cur) != old.files[rel] {
			steps = append(steps, step{rel: rel, keep: true, learner: -1, warns: []string{display(dir, rel) + ": its solution is gone, but it was edited since it was generated; left alone"}})
			continue
		}
		steps = append(steps, step{rel: rel, remove: true})
	}
	return steps, nil
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
