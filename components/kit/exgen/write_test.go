package exgen

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustWrite(t *testing.T, dir string, files map[string][]byte, force bool) *WriteReport {
	t.Helper()
	rep, err := Write(dir, files, force)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestWriteProtectsLearnerEdits(t *testing.T) {
	tests := []struct {
		name      string
		force     bool
		wantFile  string
		wantWarns int
	}{
		{"an edited file is left alone", false, "learner's work", 1},
		{"force overwrites it", true, "v2", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "exercises")
			mustWrite(t, dir, map[string][]byte{"a/a.go": []byte("v1"), "a/b.go": []byte("b1")}, false)
			if err := os.WriteFile(filepath.Join(dir, "a", "a.go"), []byte("learner's work"), 0o644); err != nil {
				t.Fatal(err)
			}
			rep := mustWrite(t, dir, map[string][]byte{"a/a.go": []byte("v2"), "a/b.go": []byte("b2")}, tt.force)
			if got := readFile(t, filepath.Join(dir, "a", "a.go")); got != tt.wantFile {
				t.Errorf("a/a.go holds %q, want %q", got, tt.wantFile)
			}
			if got := readFile(t, filepath.Join(dir, "a", "b.go")); got != "b2" {
				t.Errorf("the unedited a/b.go holds %q, want it regenerated", got)
			}
			if len(rep.Warnings) != tt.wantWarns {
				t.Fatalf("warnings %q, want %d", rep.Warnings, tt.wantWarns)
			}
			if tt.wantWarns > 0 && rep.Warnings[0] != filepath.ToSlash(dir)+"/a/a.go: edited since it was generated; left alone (use -force to overwrite)" {
				t.Errorf("warning %q", rep.Warnings[0])
			}
		})
	}
}

func TestAnEditedFileStaysProtectedOnLaterRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "exercises")
	mustWrite(t, dir, map[string][]byte{"a.go": []byte("v1")}, false)
	os.WriteFile(filepath.Join(dir, "a.go"), []byte("mine"), 0o644)
	for range 2 {
		if rep := mustWrite(t, dir, map[string][]byte{"a.go": []byte("v2")}, false); len(rep.Warnings) != 1 {
			t.Fatalf("warnings %q, want the edit reported again", rep.Warnings)
		}
	}
	if got := readFile(t, filepath.Join(dir, "a.go")); got != "mine" {
		t.Fatalf("a.go holds %q", got)
	}
}

func TestAFileThatExgenNeverWroteCountsAsEdited(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.go": "written by hand"})
	rep := mustWrite(t, dir, map[string][]byte{"a.go": []byte("generated")}, false)
	if len(rep.Warnings) != 1 || readFile(t, filepath.Join(dir, "a.go")) != "written by hand" {
		t.Fatalf("warnings %q: a file with no record must be left alone", rep.Warnings)
	}
}

func TestFilesWhoseSolutionIsGoneAreDeletedOnlyIfUnedited(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "exercises")
	mustWrite(t, dir, map[string][]byte{"keep.go": []byte("k"), "old/clean.go": []byte("c"), "edited.go": []byte("e")}, false)
	os.WriteFile(filepath.Join(dir, "edited.go"), []byte("learner's"), 0o644)
	rep := mustWrite(t, dir, map[string][]byte{"keep.go": []byte("k")}, true)
	if want := []string{filepath.ToSlash(dir) + "/old/clean.go"}; !slices.Equal(rep.Deleted, want) {
		t.Errorf("deleted %q, want %q", rep.Deleted, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "old")); !os.IsNotExist(err) {
		t.Errorf("the emptied directory old/ is still there: %v", err)
	}
	if readFile(t, filepath.Join(dir, "edited.go")) != "learner's" || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "its solution is gone") {
		t.Errorf("the edited file must survive, even with force; warnings %q", rep.Warnings)
	}
	if got := readFile(t, filepath.Join(dir, SumFile)); got != string(SumOf(map[string][]byte{"keep.go": []byte("k")})) {
		t.Errorf("sum file:\n%s", got)
	}
}

func TestSumFileIsSha256sumFormat(t *testing.T) {
	got := string(SumOf(map[string][]byte{"b/x.go": []byte("x"), "a.go": nil}))
	want := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.go\n" +
		"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  b/x.go\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := parseSum([]byte("nothex  a.go\n")); err == nil {
		t.Fatal("a malformed line must be an error")
	}
}
