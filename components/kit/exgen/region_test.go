package exgen

import (
	"strings"
	"testing"
)

func TestRegionErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unclosed", "package p\n\n//ownkube:begin stage=2\n\nfunc F() {}\n",
			"p.go:3: region is never closed"},
		{"nested", "package p\n\n//ownkube:begin stage=2\n\nfunc F() {}\n\n//ownkube:begin stage=3\n\n//ownkube:end\n",
			"p.go:7: region begins inside the region begun at line 3"},
		{"stray end", "package p\n\nfunc F() {}\n\n//ownkube:end\n",
			"p.go:5: region end without a begin"},
		{"type inside", "package p\n\n//ownkube:begin stage=2\n\nfunc F() {}\n\ntype T struct{}\n\n//ownkube:end\n",
			"p.go:7: type declaration inside a region"},
		{"var inside", "package p\n\n//ownkube:begin stage=2\n\nvar x = 1\n\n//ownkube:end\n",
			"p.go:5: var declaration inside a region"},
		{"marker inside a function", "package p\n\nfunc F() {\n//ownkube:begin stage=2\n}\n",
			"p.go:4: marker must be a line of its own at top level"},
		{"bad stage", "package p\n\n//ownkube:begin stage=two\n\n//ownkube:end\n",
			"p.go:3: marker \"//ownkube:begin stage=two\": stage must be a positive integer"},
		{"unknown marker", "package p\n\n//ownkube:start\n",
			"p.go:3: unknown marker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := generate(t, map[string]string{"solutions/p/p.go": tt.src})
			if err == nil || !strings.Contains(err.Error(), "solutions/p/"+tt.want) || !strings.HasPrefix(err.Error(), "exgen: ") {
				t.Fatalf("got error %v, want one containing %q", err, "solutions/p/"+tt.want)
			}
		})
	}
}

func TestRegionsCountAndKeepTheirMarkers(t *testing.T) {
	src := "package p\n\n//ownkube:begin stage=1\n\n// A does a.\nfunc A() {}\n\n//ownkube:end\n\nfunc helper() {}\n\n" +
		"//ownkube:begin stage=4\n\n// B does b.\nfunc B() {}\n\n// C does c.\nfunc C() {}\n\n//ownkube:end\n"
	res, err := generate(t, map[string]string{"solutions/p/p.go": src})
	if err != nil {
		t.Fatal(err)
	}
	if res.Regions != 2 || res.Stubs != 3 {
		t.Fatalf("counted %d regions, %d stubs; want 2 and 3", res.Regions, res.Stubs)
	}
	mustContain(t, string(res.Files["p/p.go"]),
		"//ownkube:begin stage=1", `NotImplemented(1, "p.A")`, "//ownkube:end",
		"func helper() {}",
		"//ownkube:begin stage=4", `NotImplemented(4, "p.B")`, `NotImplemented(4, "p.C")`, "//ownkube:end")
}
