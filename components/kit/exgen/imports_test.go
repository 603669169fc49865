package exgen

import (
	"testing"
)

func TestImportsAreRewrittenAndTrimmed(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{
			name: "unused dropped, solutions rewritten, exercise in a group of its own",
			src: `package p

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

var ErrX = errors.New("x")

//ownkube:begin stage=2

// Get gets.
func Get(ctx context.Context, kv clientv3.KV) (int64, error) {
	_, err := kv.Get(ctx, "k")
	if errors.Is(err, rpctypes.ErrCompacted) {
		return 0, fmt.Errorf("get: %w", err)
	}
	return 0, err
}

//ownkube:end
`,
			want: `import (
	"context"
	"errors"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/ownkube/ownkube/components/kit/exercise"
)
`,
		},
		{
			name: "exercise joins the module's own group",
			src: `package p

import (
	"strings"

	"github.com/ownkube/ownkube/solutions/kv"
)

//ownkube:begin stage=3

// Put puts.
func Put(s kv.Store) error { return s.Put(strings.ToLower("K")) }

//ownkube:end
`,
			want: `import (
	"github.com/ownkube/ownkube/components/kit/exercise"
	"github.com/ownkube/ownkube/exercises/kv"
)
`,
		},
		{
			name: "a file whose imports all go gets one of its own",
			src: `package p

import "fmt"

//ownkube:begin stage=1

// Hello says hello.
func Hello() { fmt.Println("hello") }

//ownkube:end
`,
			want: `package p

import "github.com/ownkube/ownkube/components/kit/exercise"

//ownkube:begin stage=1
`,
		},
		{
			name: "a test file only has its solutions imports rewritten",
			src: `package p_test

import (
	"testing"

	"github.com/ownkube/ownkube/solutions/kv"
	"github.com/ownkube/ownkube/solutionsextra"
)

func TestX(t *testing.T) { _ = kv.New; _ = solutionsextra.X }
`,
			want: `import (
	"testing"

	"github.com/ownkube/ownkube/exercises/kv"
	"github.com/ownkube/ownkube/solutionsextra"
)
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := generate(t, map[string]string{"solutions/p/p.go": tt.src})
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, string(res.Files["p/p.go"]), tt.want)
		})
	}
}

func TestAnImportOfUnknownNameIsAnError(t *testing.T) {
	src := "package p\n\nimport \"example.com/mystery\"\n\nvar _ = mystery.X\n\n//ownkube:begin stage=1\n\n// F f.\nfunc F() {}\n\n//ownkube:end\n"
	_, err := generate(t, map[string]string{"solutions/p/p.go": src})
	if err == nil {
		t.Fatal("want an error: the package name of example.com/mystery is unknown")
	}
}
