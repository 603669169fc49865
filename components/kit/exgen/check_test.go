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
		{"a differing file", func(dir string) { os.WriteFile(filepath.Join(dir, "p", "p.go"), []byte("package q\n"), 0o644) },
			[]string{"p/p.go: differs from what solutions/ generates"}},
		{"a missing file", func(dir string) { os.Remove(filepath.Join(dir, "p", "doc.go")) },
			[]string{"p/doc.go: missing"}},
		{"an extra file", func(dir string) { os.WriteFile(filepath.Join(dir, "p", "x.go"), nil, 0o644) },
			[]string{"p/x.go: extra: no solution generates it"}},
		{"a stale sum", func(dir string) { os.WriteFile(filepath.Join(dir, SumFile), nil, 0o644) },
			[]string{SumFile + ": differs from what solutions/ generates"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			mustWrite(t, dir, files, false)
			tt.change(dir)
			drifts, err := Diff(dir, files)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range drifts {
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
	drifts, err := Diff(filepath.Join(t.TempDir(), "none"), map[string][]byte{"a.go": nil})
	if err != nil || len(drifts) != 2 { // a.go and the sum file
		t.Fatalf("got %v, %v; want two missing files", drifts, err)
	}
}
