package exgen

import (
	"fmt"
	"go/ast"
	"go/token"
	"strconv"
	"strings"
)

const (
	beginMarker = "//ownkube:begin"
	endMarker   = "//ownkube:end"
)

// region is one marked span of a file and the functions inside it.
type region struct {
	stage      int
	begin, end token.Pos
	funcs      []*ast.FuncDecl
}

// marker is one //ownkube: comment, parsed.
type marker struct {
	pos   token.Pos
	begin bool
	stage int
}

// findRegions returns the regions of f in file order, or an error naming
// file:line for the first marker or declaration that breaks the rules.
func findRegions(fset *token.FileSet, f *ast.File) ([]region, error) {
	markers, err := findMarkers(fset, f)
	if err != nil {
		return nil, err
	}
	regions, err := pairMarkers(fset, markers)
	if err != nil {
		return nil, err
	}
	for i := range regions {
		if err := collectFuncs(fset, f, &regions[i]); err != nil {
			return nil, err
		}
	}
	return regions, nil
}

// findMarkers parses the marker comments of f and refuses those that are not
// at top level, where a region boundary would cut a declaration in two.
func findMarkers(fset *token.FileSet, f *ast.File) ([]marker, error) {
	var ms []marker
	for _, g := range f.Comments {
		for _, c := range g.List {
			if !strings.HasPrefix(c.Text, "//ownkube:") {
				continue
			}
			m, err := parseMarker(c.Text)
			if err != nil {
				return nil, posErr(fset, c.Pos(), "%w", err)
			}
			if fset.Position(c.Pos()).Column != 1 || insideDecl(f, c.Pos()) {
				return nil, posErr(fset, c.Pos(), "marker must be a line of its own at top level, outside every declaration")
			}
			m.pos = c.Pos()
			ms = append(ms, m)
		}
	}
	return ms, nil
}

// parseMarker reads "//ownkube:begin stage=N" or "//ownkube:end".
func parseMarker(text string) (marker, error) {
	text = strings.TrimRight(text, " \t")
	if text == endMarker {
		return marker{}, nil
	}
	rest, ok := strings.CutPrefix(text, beginMarker+" stage=")
	if !ok {
		return marker{}, fmt.Errorf("unknown marker %q: want %q or %q", text, beginMarker+" stage=N", endMarker)
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 {
		return marker{}, fmt.Errorf("marker %q: stage must be a positive integer", text)
	}
	return marker{begin: true, stage: n}, nil
}

func insideDecl(f *ast.File, pos token.Pos) bool {
	for _, d := range f.Decls {
		if d.Pos() <= pos && pos < d.End() {
			return true
		}
	}
	return false
}

// pairMarkers matches each begin with the next end: regions do not nest.
func pairMarkers(fset *token.FileSet, ms []marker) ([]region, error) {
	var regions []region
	var open *marker
	for i := range ms {
		m := &ms[i]
		switch {
		case m.begin && open != nil:
			return nil, posErr(fset, m.pos, "region begins inside the region begun at line %d: regions do not nest", fset.Position(open.pos).Line)
		case m.begin:
			open = m
		case open == nil:
			return nil, posErr(fset, m.pos, "region end without a begin")
		default:
			regions = append(regions, region{stage: open.stage, begin: open.pos, end: m.pos})
			open = nil
		}
	}
	if open != nil {
		return nil, posErr(fset, open.pos, "region is never closed: no //ownkube:end follows")
	}
	return regions, nil
}

// collectFuncs fills r.funcs, refusing any other kind of declaration: only a
// function has a body the generator knows how to replace.
func collectFuncs(fset *token.FileSet, f *ast.File, r *region) error {
	for _, d := range f.Decls {
		if d.Pos() < r.begin || d.Pos() > r.end {
			continue
		}
		fn, ok := d.(*ast.FuncDecl)
		if !ok {
			kind := "non-function"
			if g, ok := d.(*ast.GenDecl); ok {
				kind = g.Tok.String()
			}
			return posErr(fset, d.Pos(), "%s declaration inside a region: a region holds only functions", kind)
		}
		if fn.Body == nil {
			return posErr(fset, fn.Pos(), "function %s in a region has no body to replace", fn.Name.Name)
		}
		r.funcs = append(r.funcs, fn)
	}
	return nil
}

// posErr is an error naming file:line of pos; format may wrap with %w.
func posErr(fset *token.FileSet, pos token.Pos, format string, args ...any) error {
	p := fset.Position(pos)
	return fmt.Errorf("exgen: %s:%d: "+format, append([]any{p.Filename, p.Line}, args...)...)
}
