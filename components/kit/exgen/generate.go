package exgen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

const (
	modulePath      = "github.com/ownkube/ownkube"
	solutionsImport = modulePath + "/solutions"
	exercisesImport = modulePath + "/exercises"
	exerciseImport  = modulePath + "/components/kit/exercise"
)

// Packages tells the generator what one file does not say. GoList answers
// from the go command; tests answer from a table.
type Packages interface {
	// Names returns the name each import path's package declares.
	Names(paths []string) (map[string]string, error)
	// Underlying returns the underlying type of the type name declared by
	// the package at path.
	Underlying(path, name string) (types.Type, error)
}

// Config says where the solutions are and how to learn about packages.
type Config struct {
	Solutions string   // the solutions/ directory
	Packages  Packages // nil: a GoList run in Solutions
}

// Result is the generated exercises/ tree, in memory.
type Result struct {
	// Files maps slash paths relative to exercises/ to their contents.
	Files map[string][]byte
	// Regions and Stubs count the marked regions and the functions stubbed.
	Regions, Stubs int
}

type generator struct {
	fset  *token.FileSet
	pkgs  Packages
	names map[string]string // import path → package name
}

// Generate builds the exercises tree from cfg.Solutions without writing it.
func Generate(cfg Config) (*Result, error) {
	if cfg.Packages == nil {
		cfg.Packages = &GoList{Dir: cfg.Solutions}
	}
	abs, err := filepath.Abs(cfg.Solutions)
	if err != nil {
		return nil, fmt.Errorf("exgen: %w", err)
	}
	rels, err := listFiles(cfg.Solutions)
	if err != nil {
		return nil, err
	}
	g := &generator{fset: token.NewFileSet(), pkgs: cfg.Packages}
	res := &Result{Files: map[string][]byte{}}
	byDir := map[string][]*goFile{}
	for _, rel := range rels {
		name := filepath.Join(cfg.Solutions, filepath.FromSlash(rel))
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("exgen: %w", err)
		}
		if !isGoSource(rel) {
			res.Files[rel] = src // testdata and non-Go files: byte for byte
			continue
		}
		gf, err := g.parse(name, rel, src)
		if err != nil {
			return nil, err
		}
		gf.source = filepath.Base(abs) + "/" + rel
		byDir[path.Dir(rel)] = append(byDir[path.Dir(rel)], gf)
	}
	if err := g.loadNames(byDir); err != nil {
		return nil, err
	}
	for _, dir := range slices.Sorted(maps.Keys(byDir)) {
		if err := g.genPackage(byDir[dir], res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func (g *generator) parse(name, rel string, src []byte) (*goFile, error) {
	f, err := parser.ParseFile(g.fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("exgen: parse: %w", err)
	}
	regions, err := findRegions(g.fset, f)
	if err != nil {
		return nil, err
	}
	return &goFile{rel: rel, src: src, file: f, regions: regions}, nil
}

// genPackage generates the files of one directory into res.
func (g *generator) genPackage(files []*goFile, res *Result) error {
	decls := g.typeDecls(files)
	markDropped(files)
	for _, gf := range files {
		out, err := g.genFile(gf, decls[gf.file.Name.Name])
		if err != nil {
			return err
		}
		res.Files[gf.rel] = out
		res.Regions += len(gf.regions)
		res.Stubs += gf.stubs()
	}
	return nil
}

// markDropped finds the region functions the exercise leaves out: the
// unexported plain functions that no code of their package names outside
// the regions' bodies (given code, tests, signatures). They are how the
// solution happens to be written; a stub of one would be dead code, and the
// learner writes helpers of their own.
func markDropped(files []*goFile) {
	named := map[string]map[string]bool{} // package name → identifiers named
	for _, gf := range files {
		pkg := gf.file.Name.Name
		if named[pkg] == nil {
			named[pkg] = map[string]bool{}
		}
		own := map[ast.Node]bool{}
		for _, r := range gf.regions {
			for _, fn := range r.funcs {
				own[fn.Body], own[fn.Name] = true, true
			}
		}
		ast.Inspect(gf.file, func(n ast.Node) bool {
			if n != nil && own[n] {
				return false
			}
			if id, ok := n.(*ast.Ident); ok {
				named[pkg][id.Name] = true
			}
			return true
		})
	}
	for _, gf := range files {
		for _, r := range gf.regions {
			for _, fn := range r.funcs {
				if fn.Recv == nil && !fn.Name.IsExported() && !named[gf.file.Name.Name][fn.Name.Name] {
					if gf.drop == nil {
						gf.drop = map[*ast.FuncDecl]bool{}
					}
					gf.drop[fn] = true
				}
			}
		}
	}
}

// typeDecls indexes the type declarations of a directory by package name
// (a directory may hold p and p_test) and type name.
func (g *generator) typeDecls(files []*goFile) map[string]map[string]typeDecl {
	decls := map[string]map[string]typeDecl{}
	for _, gf := range files {
		pkg := gf.file.Name.Name
		if decls[pkg] == nil {
			decls[pkg] = map[string]typeDecl{}
		}
		imports := importMap(fileImports(gf.file, g.names))
		for _, d := range gf.file.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.TYPE {
				for _, s := range gd.Specs {
					spec := s.(*ast.TypeSpec)
					decls[pkg][spec.Name.Name] = typeDecl{spec: spec, imports: imports}
				}
			}
		}
	}
	return decls
}

// loadNames asks Packages, once, for the names of the packages imported
// without a name by the directories that have regions.
func (g *generator) loadNames(byDir map[string][]*goFile) error {
	seen := map[string]bool{}
	for _, files := range byDir {
		if !slices.ContainsFunc(files, func(gf *goFile) bool { return gf.funcs() > 0 }) {
			continue
		}
		for _, gf := range files {
			for _, spec := range gf.file.Imports {
				if spec.Name == nil {
					p, _ := strconv.Unquote(spec.Path.Value)
					seen[p] = true
				}
			}
		}
	}
	g.names = map[string]string{}
	if len(seen) == 0 {
		return nil
	}
	names, err := g.pkgs.Names(slices.Sorted(maps.Keys(seen)))
	if err != nil {
		return fmt.Errorf("exgen: package names of the imports: %w", err)
	}
	g.names = names
	return nil
}

// listFiles returns the slash paths of every regular file under root, sorted.
func listFiles(root string) ([]string, error) {
	var rels []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		rels = append(rels, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("exgen: list %s: %w", root, err)
	}
	return rels, nil
}

// isGoSource reports whether rel is a Go file the go command builds: not
// under testdata, nor under a directory it ignores (leading "_" or ".").
func isGoSource(rel string) bool {
	if !strings.HasSuffix(rel, ".go") {
		return false
	}
	for _, elem := range strings.Split(path.Dir(rel), "/") {
		if elem == "testdata" || strings.HasPrefix(elem, "_") || (strings.HasPrefix(elem, ".") && elem != ".") {
			return false
		}
	}
	return true
}
