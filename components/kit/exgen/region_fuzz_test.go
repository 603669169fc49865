package exgen

import (
	"go/parser"
	"go/token"
	"testing"
)

// FuzzRegions feeds arbitrary Go source to the marker reader exgen runs on
// every solutions file: it must never panic, and every region it accepts
// must begin before it ends, at a positive stage, in file order, with no
// region inside another.
func FuzzRegions(f *testing.F) {
	for _, seed := range []string{
		"package p\n\n//ownkube:begin stage=3\nfunc F() int { return 1 }\n//ownkube:end\n",
		"package p\n\n//ownkube:begin stage=1\nfunc A() {}\n//ownkube:end\n\n//ownkube:begin stage=2\nfunc B() {}\n//ownkube:end\n",
		"package p\n\nfunc F() {\n//ownkube:begin stage=3\n}\n",
		"package p\n\n//ownkube:begin stage=0\n//ownkube:end\n",
		"package p\n\n//ownkube:begin stage=3\n//ownkube:begin stage=3\n//ownkube:end\n",
		"package p\n\n//ownkube:end\n",
		"package p\n\n//ownkube:begin\n",
		"package p\n\n//ownkube:frobnicate\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, "fuzz.go", src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return // not Go: exgen's parse refuses it before any marker is read
		}
		regions, err := findRegions(fset, file)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error that says nothing")
			}
			return
		}
		var last token.Pos
		for _, r := range regions {
			if r.stage < 1 || !(r.begin < r.end) || r.begin < last {
				t.Fatalf("region %+v (after %d) in\n%s", r, last, src)
			}
			last = r.end
		}
	})
}
