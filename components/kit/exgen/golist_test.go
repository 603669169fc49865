package exgen

import (
	"go/types"
	"testing"
)

// These run the go command; they need no network once the module cache holds
// the module's dependencies.

func TestGoListNamesPackagesByTheirClause(t *testing.T) {
	g := &GoList{Dir: "."}
	names, err := g.Names([]string{"math/rand/v2", "go.etcd.io/etcd/client/v3", "go.etcd.io/etcd/api/v3/v3rpc/rpctypes"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"math/rand/v2": "rand", "go.etcd.io/etcd/client/v3": "clientv3", "go.etcd.io/etcd/api/v3/v3rpc/rpctypes": "rpctypes"}
	for p, w := range want {
		if names[p] != w {
			t.Errorf("name of %s = %q, want %q", p, names[p], w)
		}
	}
	if _, err := g.Names([]string{"example.com/no/such/package"}); err == nil {
		t.Error("an unknown package must be an error")
	}
}

func TestGoListUnderlyingTypes(t *testing.T) {
	g := &GoList{Dir: "."}
	tests := []struct {
		path, name string
		want       kind
	}{
		{"time", "Time", kindComposite},
		{"time", "Duration", kindNumber},
		{"context", "Context", kindNil},
		{"go.etcd.io/etcd/client/v3", "WatchResponse", kindComposite},
		{"go.etcd.io/etcd/client/v3", "OpOption", kindNil},
	}
	for _, tt := range tests {
		u, err := g.Underlying(tt.path, tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if got := kindOfType(u); got != tt.want {
			t.Errorf("%s.%s: kind %d (%s), want %d", tt.path, tt.name, got, types.TypeString(u, nil), tt.want)
		}
	}
	if _, err := g.Underlying("time", "Now"); err == nil {
		t.Error("a function is not a type: want an error")
	}
}
