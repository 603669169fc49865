package scenario

import (
	"fmt"
	"os"
	"path/filepath"
)

// FindRoot returns the repository's root: the nearest directory, from dir
// upwards, that holds both go.mod and scenarios/. The e2e suite runs in e2e/
// and the checker wherever the user stands, so both look the root up.
func FindRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find the repository's root: %w", err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if isFile(filepath.Join(d, "go.mod")) && isDir(filepath.Join(d, Dir)) {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no directory above %s holds go.mod and %s/: run from the ownkube repository", abs, Dir)
		}
	}
}

func isFile(p string) bool { fi, err := os.Stat(p); return err == nil && fi.Mode().IsRegular() }
func isDir(p string) bool  { fi, err := os.Stat(p); return err == nil && fi.IsDir() }
