package exgen

import (
	"fmt"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakePackages answers from tables, so that unit tests need no go command.
type fakePackages struct{}

var fakeNames = map[string]string{
	"context": "context", "errors": "errors", "fmt": "fmt", "strings": "strings", "time": "time",
	"go.etcd.io/etcd/client/v3":               "clientv3",
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes":   "rpctypes",
	"github.com/ownkube/ownkube/solutions/kv": "kv",
}

var fakeTypes = map[string]types.Type{
	"time.Time":            types.NewStruct(nil, nil),
	"time.Duration":        types.Typ[types.Int64],
	"context.Context":      types.NewInterfaceType(nil, nil),
	"clientv3.OpOption":    types.NewSignatureType(nil, nil, nil, nil, nil, false),
	"github.com/x/y.Level": types.Typ[types.String],
}

func (fakePackages) Names(paths []string) (map[string]string, error) {
	names := map[string]string{}
	for _, p := range paths {
		n, ok := fakeNames[p]
		if !ok {
			return nil, fmt.Errorf("fake: unknown package %s", p)
		}
		names[p] = n
	}
	return names, nil
}

func (fakePackages) Underlying(path, name string) (types.Type, error) {
	key := fakeNames[path] + "." + name
	if t, ok := fakeTypes[key]; ok {
		return t, nil
	}
	if t, ok := fakeTypes[path+"."+name]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("fake: unknown type %s.%s", path, name)
}

// writeTree writes files (slash paths → contents) under a new directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, content := range files {
		name := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// generate runs Generate over an in-memory solutions tree.
func generate(t *testing.T, files map[string]string) (*Result, error) {
	t.Helper()
	return Generate(Config{Solutions: filepath.Join(writeTree(t, files), "solutions"), Packages: fakePackages{}})
}

// mustContain fails unless every line of want appears, in order, in got.
func mustContain(t *testing.T, got string, want ...string) {
	t.Helper()
	rest := got
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("generated file lacks (in order) %q; got:\n%s", w, got)
		}
		rest = rest[i+len(w):]
	}
}
