package exgen

import (
	"bytes"
	"fmt"
	"path"
	"slices"
)

// merged is a learner's file brought up to date, or why it cannot be.
type merged struct {
	out         []byte
	learner     int               // the learner's regions it keeps
	warns       []string          // one per kept region whose stub changed since
	keepRecords map[string]string // region records kept from before, so the warning repeats
	why         string            // non-empty: leave the file alone
}

// merge brings the given code of a learner's file cur up to gen, the file
// as generated now, and keeps every region the learner edited (told by its
// record in old) and the imports their code needs. Edits outside the
// regions and imports cannot be merged: why then says so.
func merge(rel string, gen, cur []byte, old records) (*merged, error) {
	genSpans, err := textSpans(gen)
	if err != nil {
		return nil, fmt.Errorf("exgen: %s: %w", rel, err)
	}
	curSpans, err := textSpans(cur)
	if err != nil {
		return &merged{why: "its region markers are broken (" + err.Error() + ")"}, nil
	}
	if why, err := givenEdited(rel, gen, cur, old); why != "" || err != nil {
		return &merged{why: why}, err
	}
	m := &merged{keepRecords: map[string]string{}}
	used := map[int]bool{}
	var edits []edit
	stubs := 0 // regions left as stubs: they still need the exercise import
	for _, g := range genSpans {
		i := slices.IndexFunc(curSpans, func(c span) bool { return c.declares(g.key()) })
		if i < 0 {
			stubs++
			continue
		}
		used[i] = true
		c := curSpans[i]
		key := rel + "#" + g.key()
		if bytes.Equal(c.text(cur), g.text(gen)) || hashOf(c.text(cur)) == old.regions[key] {
			stubs++
			continue // unedited: the stub as generated now
		}
		m.learner++
		edits = append(edits, edit{start: g.start, end: g.end, text: string(c.text(cur))})
		if rec, ok := old.regions[key]; !ok || rec != hashOf(g.text(gen)) {
			m.warns = append(m.warns, fmt.Sprintf("the stub of %s changed in solutions/ since you started on it; kept yours: compare it with the new stub, or reset it (ownkube exercise reset %s.%s)", g.key(), path.Base(path.Dir(rel)), g.key()))
			if ok {
				m.keepRecords[key] = rec
			}
		}
	}
	for i, c := range curSpans {
		if !used[i] && !isRecorded(rel, c.text(cur), old) {
			return &merged{why: fmt.Sprintf("holds your region with %v, which solutions/ no longer has", c.funcs)}, nil
		}
	}
	imp, err := mergeImports(gen, cur, stubs > 0)
	if err != nil {
		return nil, fmt.Errorf("exgen: %s: %w", rel, err)
	}
	edits = append(edits, imp)
	if m.out, err = applyEdits(gen, edits); err != nil {
		return nil, fmt.Errorf("exgen: %s: %w", rel, err)
	}
	return m, nil
}

// givenEdited says why cur's given code is not what exgen last wrote, nor
// what it writes now; "" when it is one of them.
func givenEdited(rel string, gen, cur []byte, old records) (string, error) {
	rec, ok := old.regions[rel+"#"]
	if !ok {
		return "edited since it was generated, and exgen has no record of its regions", nil
	}
	have, err := skeleton(cur)
	if err != nil {
		return "its imports do not parse (" + err.Error() + ")", nil
	}
	want, err := skeleton(gen)
	if err != nil {
		return "", fmt.Errorf("exgen: %s: %w", rel, err)
	}
	if hashOf(have) != rec && !bytes.Equal(have, want) {
		return "edited outside its regions and imports", nil
	}
	return "", nil
}

// isRecorded reports whether text is one of rel's regions as exgen wrote it.
func isRecorded(rel string, text []byte, old records) bool {
	h := hashOf(text)
	for k, v := range old.regions {
		if v == h && len(k) > len(rel) && k[:len(rel)+1] == rel+"#" {
			return true
		}
	}
	return false
}

// mergeImports replaces gen's imports with what the merged file needs: the
// learner's own, verbatim, when they hold every import gen needs; else the
// union of both. The exercise package is needed only while a stub remains.
// An import the learner no longer uses stays: dropping it would need to
// know every package's name, and the compiler says so clearly.
func mergeImports(gen, cur []byte, stubsLeft bool) (edit, error) {
	g, err := importsOf(gen)
	if err != nil {
		return edit{}, err
	}
	c, err := importsOf(cur)
	if err != nil {
		return edit{}, err
	}
	var missing []string
	for _, s := range g.specs {
		if !c.has(s) && (stubsLeft || s != " "+exerciseImport) {
			missing = append(missing, s)
		}
	}
	text := string(cur[c.start:c.end])
	if len(missing) > 0 {
		text = importBlock(append(slices.Clone(c.specs), missing...))
	}
	end := g.end
	switch {
	case g.start == g.end && text != "": // gen has no imports: after its package clause
		text = "\n\n" + text
	case g.start < g.end && text == "": // none left: nor the blank lines after them
		for end < len(gen) && gen[end] == '\n' {
			end++
		}
	}
	return edit{start: g.start, end: end, text: text}, nil
}
