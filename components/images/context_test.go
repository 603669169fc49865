package images

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestWriteContext(t *testing.T) {
	dockerfile := []byte("FROM scratch\n")
	binary := "\x7fELF binary"
	var buf bytes.Buffer
	if err := writeContext(&buf, dockerfile, "ownkube", strings.NewReader(binary), int64(len(binary))); err != nil {
		t.Fatal(err)
	}

	type entry struct {
		typ  byte
		mode int64
		body string
	}
	want := map[string]entry{
		"Dockerfile":  {tar.TypeReg, 0o644, "FROM scratch\n"},
		"ownkube":     {tar.TypeReg, 0o755, binary},
		"rootfs/":     {tar.TypeDir, 0o755, ""},
		"rootfs/tmp/": {tar.TypeDir, 0o1777, ""},
	}
	tr := tar.NewReader(&buf)
	seen := 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		w, ok := want[hdr.Name]
		if !ok {
			t.Errorf("unexpected entry %q", hdr.Name)
			continue
		}
		seen++
		if hdr.Typeflag != w.typ || hdr.Mode != w.mode || string(body) != w.body {
			t.Errorf("%s: type %q mode %o body %q; want type %q mode %o body %q",
				hdr.Name, hdr.Typeflag, hdr.Mode, body, w.typ, w.mode, w.body)
		}
	}
	if seen != len(want) {
		t.Errorf("saw %d entries, want %d", seen, len(want))
	}
}

func TestWriteContextShortBinary(t *testing.T) {
	err := writeContext(io.Discard, nil, "ownkube", strings.NewReader("abc"), 10)
	if err == nil {
		t.Fatal("want an error for a binary shorter than its declared size")
	}
}

func TestTags(t *testing.T) {
	t.Setenv(TagSuffixEnv, "") // the tags of a tree built without a suffix
	for _, tc := range []struct {
		img       image
		impl, tag string
		tags      []string
		outputDir string
	}{
		{table[0], Solutions, "ownkube:solutions", []string{"-tags", "solutions"}, "_output/images/ownkube-solutions"},
		{table[0], Exercises, "ownkube:exercises", nil, "_output/images/ownkube-exercises"},
		{table[0], Mutants, "ownkube:mutants", []string{"-tags", "solutions,mutants"}, "_output/images/ownkube-mutants"},
		{mustLookup(t, "pause"), Solutions, "ownkube/pause:latest", nil, "_output/images/pause"},
		{mustLookup(t, "echo"), Exercises, "ownkube/echo:latest", nil, "_output/images/echo"},
	} {
		if got := tc.img.tag(tc.impl); got != tc.tag {
			t.Errorf("%s/%s: tag %q, want %q", tc.img.Name, tc.impl, got, tc.tag)
		}
		if got := tc.img.buildTags(tc.impl); strings.Join(got, " ") != strings.Join(tc.tags, " ") {
			t.Errorf("%s/%s: build tags %q, want %q", tc.img.Name, tc.impl, got, tc.tags)
		}
		if got := tc.img.outputDir(tc.impl); got != tc.outputDir {
			t.Errorf("%s/%s: output dir %q, want %q", tc.img.Name, tc.impl, got, tc.outputDir)
		}
	}
}

func mustLookup(t *testing.T, name string) image {
	t.Helper()
	img, err := lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// syntaxDirective matches a `# syntax=` parser directive line.
var syntaxDirective = regexp.MustCompile(`(?im)^#\s*syntax\s*=`)

// TestTableFolders checks that every image has the folder Build reads: a
// Dockerfile that copies the binary by the image's name and carries no
// `# syntax=` line, and for a workload its main package beside it.
func TestTableFolders(t *testing.T) {
	for _, img := range table {
		dockerfile, err := os.ReadFile(filepath.Join(img.Name, "Dockerfile"))
		if err != nil {
			t.Errorf("image %s: %v", img.Name, err)
			continue
		}
		if !strings.Contains(string(dockerfile), "\nCOPY "+img.Name+" ") {
			t.Errorf("image %s: Dockerfile does not COPY the binary %q", img.Name, img.Name)
		}
		if syntaxDirective.Match(dockerfile) {
			t.Errorf("image %s: Dockerfile has a # syntax= line, which makes the engine pull", img.Name)
		}
		if img.PerImpl {
			continue
		}
		if img.Package != "./components/images/"+img.Name {
			t.Errorf("image %s: package %s, want ./components/images/%s", img.Name, img.Package, img.Name)
		}
		if _, err := os.Stat(filepath.Join(img.Name, "main.go")); err != nil {
			t.Errorf("image %s: %v", img.Name, err)
		}
	}
}

func TestSuffixedWorkloadTag(t *testing.T) {
	t.Setenv(TagSuffixEnv, "-mytree")
	if got := mustLookup(t, "probe").tag(Solutions); got != "ownkube/probe:latest-mytree" {
		t.Errorf("probe tag %q, want ownkube/probe:latest-mytree", got)
	}
	if got := mustLookup(t, "echo").tag(Solutions); got != "ownkube/echo:latest" {
		t.Errorf("echo tag %q: only suffixed images take the suffix", got)
	}
	t.Setenv(TagSuffixEnv, "")
	if got := mustLookup(t, "probe").tag(Solutions); got != "ownkube/probe:latest" {
		t.Errorf("probe tag %q without a suffix, want ownkube/probe:latest", got)
	}
}
