package exgen

import (
	"go/ast"
	"go/token"
	"strconv"
	"strings"
)

// importRef is one import of a file and the name the file knows it by.
type importRef struct {
	spec *ast.ImportSpec
	decl *ast.GenDecl
	path string
	name string // explicit name, else the package's own; "_" and "." too
}

// exercisesPath maps an import of a solutions package to its exercises twin.
func exercisesPath(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, solutionsImport)
	if !ok || (rest != "" && rest[0] != '/') {
		return path, false
	}
	return exercisesImport + rest, true
}

// fileImports lists f's imports; names gives the package name of each path
// imported without an explicit name (left empty when names does not know it).
func fileImports(f *ast.File, names map[string]string) []importRef {
	var refs []importRef
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.IMPORT {
			continue
		}
		for _, s := range g.Specs {
			spec := s.(*ast.ImportSpec)
			path, _ := strconv.Unquote(spec.Path.Value)
			ref := importRef{spec: spec, decl: g, path: path, name: names[path]}
			if spec.Name != nil {
				ref.name = spec.Name.Name
			}
			refs = append(refs, ref)
		}
	}
	return refs
}

// importMap returns local name → path for the imports a selector can use.
func importMap(refs []importRef) map[string]string {
	m := map[string]string{}
	for _, r := range refs {
		if r.name != "_" && r.name != "." && r.name != "" {
			m[r.name] = r.path
		}
	}
	return m
}

// usedNames collects every x in a selector x.Y outside the skipped nodes,
// the bodies about to be replaced and the functions dropped: what the file
// still needs to import.
func usedNames(f *ast.File, skip map[ast.Node]bool) map[string]bool {
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if n != nil && skip[n] {
			return false
		}
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok {
				used[x.Name] = true
			}
		}
		return true
	})
	return used
}

// pathEdits rewrites every solutions import path of f to its exercises twin,
// except in the specs listed in removed.
func pathEdits(fset *token.FileSet, f *ast.File, removed map[*ast.ImportSpec]bool) []edit {
	var edits []edit
	for _, spec := range f.Imports {
		path, _ := strconv.Unquote(spec.Path.Value)
		if to, ok := exercisesPath(path); ok && !removed[spec] {
			start, end := offset(fset, spec.Path.Pos()), offset(fset, spec.Path.End())
			edits = append(edits, edit{start: start, end: end, text: strconv.Quote(to)})
		}
	}
	return edits
}

// unusedImports returns the imports no selector in used refers to. Blank and
// dot imports are kept: their use cannot be seen in selectors.
func unusedImports(refs []importRef, used map[string]bool) map[*ast.ImportSpec]bool {
	unused := map[*ast.ImportSpec]bool{}
	for _, r := range refs {
		if r.name != "_" && r.name != "." && r.path != "C" && !used[r.name] {
			unused[r.spec] = true
		}
	}
	return unused
}

// removalEdits deletes the unused specs, and a whole import declaration when
// none of its specs survives, each with its comments and its line.
func removalEdits(fset *token.FileSet, src []byte, refs []importRef, unused map[*ast.ImportSpec]bool) []edit {
	var edits []edit
	for _, g := range importDecls(refs) {
		if survivors(g, unused) == 0 {
			edits = append(edits, lineEdit(src, offset(fset, nodeStart(g.Doc, g)), offset(fset, g.End())))
			continue
		}
		for _, s := range g.Specs {
			spec := s.(*ast.ImportSpec)
			if unused[spec] {
				end := spec.End()
				if spec.Comment != nil {
					end = spec.Comment.End()
				}
				edits = append(edits, lineEdit(src, offset(fset, nodeStart(spec.Doc, spec)), offset(fset, end)))
			}
		}
	}
	return edits
}

// addImportEdit adds the exercise package: into the last surviving import
// declaration (in the module's own group when that group comes last, else as a
// group of its own), or as a declaration of its own after the package clause.
func addImportEdit(fset *token.FileSet, src []byte, f *ast.File, refs []importRef, unused map[*ast.ImportSpec]bool) edit {
	quoted := strconv.Quote(exerciseImport)
	decls := importDecls(refs)
	for i := len(decls) - 1; i >= 0; i-- {
		g := decls[i]
		if survivors(g, unused) == 0 {
			continue
		}
		if !g.Lparen.IsValid() {
			at := offset(fset, g.End())
			return edit{start: at, end: at, text: "\n\nimport " + quoted}
		}
		at := offset(fset, g.Rparen)
		text := quoted + "\n"
		if !strings.HasPrefix(lastSurvivor(g, unused), modulePath+"/") {
			text = "\n" + text // a group of its own, as the module's imports go last
		}
		if !startsLine(src, at) {
			text = "\n" + text // the closing paren shares the last spec's line
		}
		return edit{start: at, end: at, text: text}
	}
	at := offset(fset, f.Name.End())
	return edit{start: at, end: at, text: "\n\nimport " + quoted + "\n"}
}

// importDecls returns the import declarations of refs, in file order.
func importDecls(refs []importRef) []*ast.GenDecl {
	var decls []*ast.GenDecl
	for _, r := range refs {
		if len(decls) == 0 || decls[len(decls)-1] != r.decl {
			decls = append(decls, r.decl)
		}
	}
	return decls
}

func survivors(g *ast.GenDecl, unused map[*ast.ImportSpec]bool) int {
	n := 0
	for _, s := range g.Specs {
		if !unused[s.(*ast.ImportSpec)] {
			n++
		}
	}
	return n
}

func lastSurvivor(g *ast.GenDecl, unused map[*ast.ImportSpec]bool) string {
	last := ""
	for _, s := range g.Specs {
		if spec := s.(*ast.ImportSpec); !unused[spec] {
			last, _ = strconv.Unquote(spec.Path.Value)
		}
	}
	return last
}

// nodeStart is where a node begins, counting its doc comment.
func nodeStart(doc *ast.CommentGroup, n ast.Node) token.Pos {
	if doc != nil {
		return doc.Pos()
	}
	return n.Pos()
}

// startsLine reports whether only blanks precede src[at] on its line.
func startsLine(src []byte, at int) bool {
	for at > 0 && (src[at-1] == ' ' || src[at-1] == '\t') {
		at--
	}
	return at == 0 || src[at-1] == '\n'
}

// lineEdit deletes src[start:end]; when nothing else shares its lines, it
// takes the whole lines so that no blank line is left behind.
func lineEdit(src []byte, start, end int) edit {
	ls := start
	for ls > 0 && (src[ls-1] == ' ' || src[ls-1] == '\t') {
		ls--
	}
	le := end
	for le < len(src) && (src[le] == ' ' || src[le] == '\t') {
		le++
	}
	if startsLine(src, start) && (le == len(src) || src[le] == '\n') {
		return edit{start: ls, end: min(le+1, len(src))}
	}
	return edit{start: start, end: end}
}
