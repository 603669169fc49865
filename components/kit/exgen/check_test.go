package exgen

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestDiffFindsDrift(t *testing.T) {
	files := map[string][]byte{"p/p.go": []byte("package p\n"), "p/doc.go": []byte("package p // doc\n")}
	tests := []struct {
		name   string
		change func(dir string)
		want   []string
	}{
		{"no drift", func(string) {}, nil},
		{"an unedited file its solution changed", func(dir string) {
			mustWrite(t, dir, map[string][]byte{"p/p.go": []byte("package p // old\n"), "p/doc.go": []byte("package p // doc\n")}, false)
		}, []string{SumFile + ": stale: run make exercises", "p/p.go: differs from what solutions/ generates"}},
		{"an edited file is the learner's", func(dir string) { os.WriteFile(filepath.Join(dir, "p", "p.go"), []byte("package q\n"), 0o644) }, nil},
		{"a missing file", func(dir string) { os.Remove(filepath.Join(dir, "p", "doc.go")) },
			[]string{"p/doc.go: missing"}},
		{"a stale file exgen wrote", func(dir string) {
			mustWrite(t, dir, map[string][]byte{"p/p.go": []byte("package p\n"), "p/doc.go": []byte("package p // doc\n"), "p/x.go": nil}, false)
		}, []string{SumFile + ": stale: run make exercises", "p/x.go: extra: no solution generates it"}},
		{"a stale sum", func(dir string) { os.WriteFile(filepath.Join(dir, SumFile), nil, 0o644) },
			[]string{SumFile + ": stale: run make exercises"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			mustWrite(t, dir, files, false)
			tt.change(dir)
			rep, err := Check(dir, files)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range rep.Drifts {
				rel, _ := filepath.Rel(dir, d.Path)
				got = append(got, filepath.ToSlash(rel)+": "+d.Problem)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDiffOfAMissingDirectoryListsEveryFile(t *testing.T) {
	rep, err := Check(filepath.Join(t.TempDir(), "none"), map[string][]byte{"a.go": []byte("package a\n")})
	if err != nil || len(rep.Drifts) != 3 { // a.go and the two record files
		t.Fatalf("got %v, %v; want three missing files", rep, err)
	}
}
