package exgen

import (
	"bytes"
	"cmp"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
)

// span is one region of a file found by its marker lines alone, so that a
// learner's file is read even when it does not parse: the bytes from the
// start of its begin line to the end of its end line.
type span struct {
	start, end int
	stage      int
	funcs      []string // every "Func" or "Recv.Method" declared in it, in order
}

func (s span) text(src []byte) []byte { return src[s.start:s.end] }

// key names a region in the records: its first function, the one a
// learner's version of it still declares.
func (s span) key() string {
	if len(s.funcs) == 0 {
		return fmt.Sprintf("stage%d@%d", s.stage, s.start) // no function: nothing to match it by
	}
	return s.funcs[0]
}

func (s span) declares(fn string) bool {
	for _, f := range s.funcs {
		if f == fn {
			return true
		}
	}
	return false
}

// textSpans finds the regions of src line by line.
func textSpans(src []byte) ([]span, error) {
	var spans []span
	var open *span
	for off, line := range lines(src) {
		text := strings.TrimRight(string(line), " \t\r\n")
		switch {
		case strings.HasPrefix(text, beginMarker):
			m, err := parseMarker(text)
			if err != nil {
				return nil, err
			}
			if open != nil {
				return nil, fmt.Errorf("region begins inside another: regions do not nest")
			}
			open = &span{start: off, stage: m.stage}
		case text == endMarker:
			if open == nil {
				return nil, fmt.Errorf("region end without a begin")
			}
			open.end = off + len(line)
			spans = append(spans, *open)
			open = nil
		case open != nil:
			if fn, ok := funcKey(text); ok {
				open.funcs = append(open.funcs, fn)
			}
		}
	}
	if open != nil {
		return nil, fmt.Errorf("region is never closed")
	}
	return spans, nil
}

// lines yields each line of src, its newline included, with its offset.
func lines(src []byte) func(yield func(int, []byte) bool) {
	return func(yield func(int, []byte) bool) {
		for off := 0; off < len(src); {
			n := bytes.IndexByte(src[off:], '\n') + 1
			if n == 0 {
				n = len(src) - off
			}
			if !yield(off, src[off:off+n]) {
				return
			}
			off += n
		}
	}
}

// funcKey reads the name a gofmt-formatted declaration line gives its
// function: "func Plan(" is Plan, "func (s *Set[T]) Add(" is Set.Add.
func funcKey(line string) (string, bool) {
	rest, ok := strings.CutPrefix(line, "func ")
	if !ok {
		return "", false
	}
	recv := ""
	if strings.HasPrefix(rest, "(") {
		i := strings.IndexByte(rest, ')')
		if i < 0 {
			return "", false
		}
		r := rest[1:i]
		if j := strings.IndexByte(r, '['); j >= 0 {
			r = r[:j]
		}
		fields := strings.Fields(strings.ReplaceAll(r, "*", " "))
		if len(fields) == 0 {
			return "", false
		}
		recv = fields[len(fields)-1] + "."
		rest = strings.TrimLeft(rest[i+1:], " ")
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r == '(' || r == '[' || r == ' ' })
	if end <= 0 {
		return "", false
	}
	return recv + rest[:end], true
}

// importSection is where a file's import declarations are, and what they
// import: "name path" (name empty when the import has none) for each spec.
type importSection struct {
	start, end int // byte range of every import declaration, with their docs; start == end: none
	specs      []string
}

func (s importSection) has(spec string) bool {
	for _, x := range s.specs {
		if x == spec {
			return true
		}
	}
	return false
}

// importsOf parses only the package clause and the imports, which a learner
// editing function bodies leaves parseable.
func importsOf(src []byte) (importSection, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		return importSection{}, err
	}
	var sec importSection
	first := true
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.IMPORT {
			continue
		}
		if first {
			sec.start, first = offset(fset, nodeStart(g.Doc, g)), false
		}
		sec.end = offset(fset, g.End())
		for _, s := range g.Specs {
			spec := s.(*ast.ImportSpec)
			path, _ := strconv.Unquote(spec.Path.Value)
			name := ""
			if spec.Name != nil {
				name = spec.Name.Name
			}
			sec.specs = append(sec.specs, name+" "+path)
		}
	}
	if first { // no imports: they would go after the package clause
		sec.start = offset(fset, f.Name.End())
		sec.end = sec.start
	}
	return sec, nil
}

// skeleton is src without its imports and blank lines, and with each region
// reduced to a marker: the given code a learner's file shares with its
// generation. (Deleting the last import leaves fewer blank lines.)
func skeleton(src []byte) ([]byte, error) {
	spans, err := textSpans(src)
	if err != nil {
		return nil, err
	}
	imp, err := importsOf(src)
	if err != nil {
		return nil, err
	}
	edits := []edit{{start: imp.start, end: imp.end}}
	for _, s := range spans {
		edits = append(edits, edit{start: s.start, end: s.end, text: "//ownkube:region\n"})
	}
	out, err := applyEdits(src, edits)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for _, line := range lines(out) {
		if len(bytes.TrimSpace(line)) > 0 {
			b.Write(line)
		}
	}
	return b.Bytes(), nil
}

// importBlock formats specs ("name path") as one import declaration in
// gofmt's order: the standard library, then other modules, then this one.
func importBlock(specs []string) string {
	groups := make([][]string, 3)
	for _, s := range specs {
		_, path, _ := strings.Cut(s, " ")
		switch {
		case strings.HasPrefix(path, modulePath+"/"):
			groups[2] = append(groups[2], s)
		case strings.Contains(strings.Split(path, "/")[0], "."):
			groups[1] = append(groups[1], s)
		default:
			groups[0] = append(groups[0], s)
		}
	}
	var b strings.Builder
	b.WriteString("import (\n")
	sep := false
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		if sep {
			b.WriteString("\n")
		}
		sep = true
		sortByPath(g)
		for _, s := range g {
			name, path, _ := strings.Cut(s, " ")
			b.WriteString("\t")
			if name != "" {
				b.WriteString(name + " ")
			}
			b.WriteString(strconv.Quote(path) + "\n")
		}
	}
	b.WriteString(")")
	return b.String()
}

func sortByPath(specs []string) {
	path := func(s string) string { _, p, _ := strings.Cut(s, " "); return p }
	slices.SortFunc(specs, func(a, b string) int { return cmp.Compare(path(a), path(b)) })
}
