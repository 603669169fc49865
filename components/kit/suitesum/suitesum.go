package suitesum

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Dir is the suite's directory and File its record, both relative to the
// module root.
const (
	Dir  = "e2e"
	File = Dir + "/SUITE.sum"
)

// Write records the hash of every file under root/e2e in root/e2e/SUITE.sum.
func Write(root string) error {
	data, err := Sum(root)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(File)), data, 0o644); err != nil {
		return fmt.Errorf("suitesum: %w", err)
	}
	return nil
}

// Sum is the content Write would write: the record of the suite as it is now.
func Sum(root string) ([]byte, error) {
	hashes, err := hashTree(root)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for _, rel := range slices.Sorted(maps.Keys(hashes)) {
		fmt.Fprintf(&b, "%s  %s\n", hashes[rel], rel)
	}
	return b.Bytes(), nil
}

// Changed lists, sorted, the spec files (slash paths relative to root) whose
// content differs from their record, that the record lacks, or that are
// recorded but gone. A missing record is an error: nothing says what shipped.
func Changed(root string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(File)))
	if err != nil {
		return nil, fmt.Errorf("suitesum: read the suite's record: %w", err)
	}
	recorded, err := parse(data)
	if err != nil {
		return nil, err
	}
	have, err := hashTree(root)
	if err != nil {
		return nil, err
	}
	var changed []string
	for rel, h := range have {
		if recorded[rel] != h { // changed, or added: no record
			changed = append(changed, rel)
		}
	}
	for rel := range recorded {
		if _, ok := have[rel]; !ok {
			changed = append(changed, rel)
		}
	}
	slices.Sort(changed)
	return changed, nil
}

// hashTree hashes every regular file under root/e2e but the record itself.
func hashTree(root string) (map[string]string, error) {
	hashes := map[string]string{}
	base := filepath.Join(root, Dir)
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == File {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		hashes[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("suitesum: no suite at %s: %w", filepath.ToSlash(base), err)
	}
	if err != nil {
		return nil, fmt.Errorf("suitesum: hash %s: %w", filepath.ToSlash(base), err)
	}
	return hashes, nil
}

func parse(data []byte) (map[string]string, error) {
	recorded := map[string]string{}
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		h, rel, ok := strings.Cut(line, "  ")
		if _, err := hex.DecodeString(h); !ok || err != nil || len(h) != 2*sha256.Size || rel == "" {
			return nil, fmt.Errorf("suitesum: %s:%d: want \"<sha256>  <path>\", got %q", File, i+1, line)
		}
		recorded[rel] = h
	}
	return recorded, nil
}
