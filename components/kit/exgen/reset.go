package exgen

import (
	"fmt"
	"go/ast"
	"go/format"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ResetConfig says which stubs to restore, and where.
type ResetConfig struct {
	Dir string // exercises/
	// Target is a stage ("2": every region of stage 2) or one function,
	// qualified by its package as its stub names it: "etcdstore.Create",
	// "scheduler.Queue.Pop".
	Target   string
	Packages Packages // nil: a GoList run in Dir
}

// ResetReport names what Reset restored.
type ResetReport struct {
	Files []string // exercises/<rel>, rewritten
	Funcs []string // pkg.Func, restored to their stubs
}

// Reset restores the stubs of cfg.Target in the learner's files, in place:
// each function's body becomes its stub again, its signature and doc
// comment as they are, and the file's imports follow (the ones only that
// body used go, the exercise package comes back). It needs no solutions/,
// so it works in a student release too; the file must parse.
func Reset(cfg ResetConfig) (*ResetReport, error) {
	if cfg.Packages == nil {
		cfg.Packages = &GoList{Dir: cfg.Dir}
	}
	stage, pkgName, fn, err := parseTarget(cfg.Target)
	if err != nil {
		return nil, err
	}
	rels, err := listFiles(cfg.Dir)
	if err != nil {
		return nil, err
	}
	rep := &ResetReport{}
	for _, dir := range packageDirs(rels) {
		if err := resetPackage(cfg, dir, rels, stage, pkgName, fn, rep); err != nil {
			return nil, err
		}
	}
	if len(rep.Funcs) == 0 {
		return nil, fmt.Errorf("exgen: no region in %s holds %s", filepath.ToSlash(cfg.Dir), describeTarget(cfg.Target, stage))
	}
	return rep, nil
}

func describeTarget(target string, stage int) string {
	if stage > 0 {
		return "stage " + strconv.Itoa(stage)
	}
	return target
}

// parseTarget reads "N" or "pkg.Func" / "pkg.Recv.Method".
func parseTarget(t string) (stage int, pkg, fn string, err error) {
	if n, err := strconv.Atoi(t); err == nil {
		if n < 1 {
			return 0, "", "", fmt.Errorf("exgen: reset %q: a stage is a positive integer", t)
		}
		return n, "", "", nil
	}
	pkg, fn, ok := strings.Cut(t, ".")
	if !ok || pkg == "" || fn == "" {
		return 0, "", "", fmt.Errorf("exgen: reset %q: want a stage (2) or a function qualified by its package (etcdstore.Create)", t)
	}
	return 0, pkg, fn, nil
}

func packageDirs(rels []string) []string {
	var dirs []string
	for _, rel := range rels {
		if isGoSource(rel) && !slices.Contains(dirs, path.Dir(rel)) {
			dirs = append(dirs, path.Dir(rel))
		}
	}
	return dirs
}

// resetPackage restores the matching stubs in the files of one directory.
func resetPackage(cfg ResetConfig, dir string, rels []string, stage int, pkgName, fn string, rep *ResetReport) error {
	g := &generator{fset: token.NewFileSet(), pkgs: cfg.Packages}
	var files []*goFile
	for _, rel := range rels {
		if path.Dir(rel) != dir || !isGoSource(rel) {
			continue
		}
		name := filepath.Join(cfg.Dir, filepath.FromSlash(rel))
		src, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("exgen: %w", err)
		}
		gf, err := g.parse(name, rel, src)
		if err != nil {
			return fmt.Errorf("%w (reset needs a file that parses: fix it, or regenerate it with make exercises FORCE=1)", err)
		}
		files = append(files, gf)
	}
	if err := g.loadNames(map[string][]*goFile{dir: files}); err != nil {
		return err
	}
	decls := g.typeDecls(files)
	for _, gf := range files {
		if !selectRegions(gf, stage, pkgName, fn) {
			continue
		}
		if err := resetFile(cfg, g, gf, decls[gf.file.Name.Name], rep); err != nil {
			return err
		}
	}
	return nil
}

// selectRegions keeps in gf.regions only the functions to reset; it
// reports whether any is left.
func selectRegions(gf *goFile, stage int, pkgName, fn string) bool {
	var keep []region
	for _, r := range gf.regions {
		switch {
		case stage > 0 && r.stage == stage:
			keep = append(keep, r)
		case stage == 0 && gf.file.Name.Name == pkgName:
			i := slices.IndexFunc(r.funcs, func(f *ast.FuncDecl) bool { return funcName(f) == fn })
			if i >= 0 {
				r.funcs = []*ast.FuncDecl{r.funcs[i]}
				keep = append(keep, r)
			}
		}
	}
	gf.regions = keep
	return len(keep) > 0
}

func resetFile(cfg ResetConfig, g *generator, gf *goFile, decls map[string]typeDecl, rep *ResetReport) error {
	edits, _, err := g.stubEdits(gf, decls)
	if err != nil {
		return err
	}
	out, err := applyEdits(gf.src, edits)
	if err != nil {
		return fmt.Errorf("exgen: %s: %w", gf.rel, err)
	}
	if out, err = format.Source(out); err != nil {
		return fmt.Errorf("exgen: %s: format the reset file: %w", gf.rel, err)
	}
	if err := os.WriteFile(filepath.Join(cfg.Dir, filepath.FromSlash(gf.rel)), out, 0o644); err != nil {
		return fmt.Errorf("exgen: %w", err)
	}
	rep.Files = append(rep.Files, display(cfg.Dir, gf.rel))
	for _, r := range gf.regions {
		for _, f := range r.funcs {
			rep.Funcs = append(rep.Funcs, gf.file.Name.Name+"."+funcName(f))
		}
	}
	return nil
}
