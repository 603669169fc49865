package suitesum

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for rel, content := range files {
		name := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestChangedListsChangedAddedAndMissingFiles(t *testing.T) {
	tests := []struct {
		name   string
		change func(root string) error
		want   []string
	}{
		{"the suite as shipped", func(string) error { return nil }, nil},
		{"a spec edited", func(root string) error {
			return os.WriteFile(filepath.Join(root, "e2e", "nodes", "nodes.go"), []byte("package nodes // skip it all\n"), 0o644)
		}, []string{"e2e/nodes/nodes.go"}},
		{"a spec added", func(root string) error {
			return os.WriteFile(filepath.Join(root, "e2e", "mine.go"), nil, 0o644)
		}, []string{"e2e/mine.go"}},
		{"a spec removed", func(root string) error {
			return os.Remove(filepath.Join(root, "e2e", "framework", "suite.go"))
		}, []string{"e2e/framework/suite.go"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := tree(t, map[string]string{
				"e2e/nodes/nodes.go":        "package nodes\n",
				"e2e/framework/suite.go":    "package framework\n",
				"e2e/testdata/pod.yaml":     "kind: Pod\n",
				"components/outside_e2e.go": "package x\n",
			})
			if err := Write(root); err != nil {
				t.Fatal(err)
			}
			if err := tt.change(root); err != nil {
				t.Fatal(err)
			}
			got, err := Changed(root)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Changed = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestChangedWithoutARecordIsAnError(t *testing.T) {
	root := tree(t, map[string]string{"e2e/a.go": "package e2e\n"})
	if _, err := Changed(root); err == nil || !strings.Contains(err.Error(), "record") {
		t.Fatalf("Changed = %v, want an error saying the record is missing", err)
	}
}

func TestMalformedRecordIsAnError(t *testing.T) {
	root := tree(t, map[string]string{"e2e/a.go": "package e2e\n", File: "not a sum line\n"})
	if _, err := Changed(root); err == nil || !strings.Contains(err.Error(), ":1:") {
		t.Fatalf("Changed = %v, want an error naming line 1", err)
	}
}

// The record is sha256sum's format: the tool itself accepts it.
func TestRecordIsReadBySha256sum(t *testing.T) {
	if _, err := exec.LookPath("sha256sum"); err != nil {
		t.Skip("no sha256sum on this machine")
	}
	root := tree(t, map[string]string{"e2e/a.go": "package e2e\n", "e2e/b/c.go": "package b\n"})
	if err := Write(root); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sha256sum", "-c", "--quiet", File)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(filepath.Join(root, File))
	if strings.Contains(string(data), "SUITE.sum") {
		t.Fatalf("the record lists itself:\n%s", data)
	}
}
