package exgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// GoList answers the generator's questions about packages with the go
// command run in Dir, the way golang.org/x/tools/go/packages does: package
// names from go list, types from the compiler's export data. It needs no
// network once the module cache holds the dependencies, and its answers are
// exact and deterministic.
type GoList struct {
	Dir string // a directory inside the module

	mu      sync.Mutex
	exports map[string]string // import path → export data file
	imp     types.Importer
}

// listed is the part of go list -json the generator reads.
type listed struct {
	ImportPath string
	Name       string
	Export     string
	Error      *struct{ Err string }
}

// Names implements Packages with one go list run.
func (g *GoList) Names(paths []string) (map[string]string, error) {
	pkgs, err := g.list(append([]string{"-e", "-json=ImportPath,Name,Error"}, paths...)...)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, p := range pkgs {
		if p.Error != nil {
			return nil, fmt.Errorf("package %s: %s", p.ImportPath, p.Error.Err)
		}
		names[p.ImportPath] = p.Name
	}
	return names, nil
}

// Underlying implements Packages from the export data of path, which go
// list -export builds (or finds in the build cache) with its dependencies.
func (g *GoList) Underlying(path, name string) (types.Type, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := g.loadExports(path); err != nil {
		return nil, err
	}
	pkg, err := g.imp.Import(path)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	tn, ok := pkg.Scope().Lookup(name).(*types.TypeName)
	if !ok {
		return nil, fmt.Errorf("%s.%s is not a type", path, name)
	}
	return tn.Type().Underlying(), nil
}

func (g *GoList) loadExports(path string) error {
	if g.exports == nil {
		g.exports = map[string]string{}
		g.imp = importer.ForCompiler(token.NewFileSet(), "gc", g.openExport)
	}
	if _, ok := g.exports[path]; ok {
		return nil
	}
	pkgs, err := g.list("-deps", "-export", "-json=ImportPath,Export,Error", path)
	if err != nil {
		return err
	}
	for _, p := range pkgs {
		if p.Error != nil {
			return fmt.Errorf("package %s: %s", p.ImportPath, p.Error.Err)
		}
		g.exports[p.ImportPath] = p.Export
	}
	return nil
}

// openExport is the importer's lookup; g.mu is held by Underlying.
func (g *GoList) openExport(path string) (io.ReadCloser, error) {
	file := g.exports[path]
	if file == "" {
		return nil, fmt.Errorf("no export data for %s", path)
	}
	return os.Open(file)
}

// list runs go list with args and decodes its stream of JSON objects.
func (g *GoList) list(args ...string) ([]listed, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"list"}, args...)...)
	cmd.Dir = g.Dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var pkgs []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p listed
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("go list: decode: %w", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}
