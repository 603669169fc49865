package exgen

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

// SumFile, in exercises/, records the SHA-256 of every file exgen wrote, in
// the format of sha256sum: `cd exercises && sha256sum -c .exgen.sum` lists
// the files a learner has edited.
const SumFile = ".exgen.sum"

func hashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// SumOf is the sum file for files as generated.
func SumOf(files map[string][]byte) []byte {
	records := map[string]string{}
	for rel, data := range files {
		records[rel] = hashOf(data)
	}
	return formatSum(records)
}

func formatSum(records map[string]string) []byte {
	var b bytes.Buffer
	for _, rel := range slices.Sorted(maps.Keys(records)) {
		fmt.Fprintf(&b, "%s  %s\n", records[rel], rel)
	}
	return b.Bytes()
}

// readSum reads dir's sum file; a missing one records nothing.
func readSum(dir string) (map[string]string, error) {
	name := filepath.Join(dir, SumFile)
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("exgen: %w", err)
	}
	records, err := parseSum(data)
	if err != nil {
		return nil, fmt.Errorf("exgen: %s:%w", filepath.ToSlash(name), err)
	}
	return records, nil
}

func parseSum(data []byte) (map[string]string, error) {
	records := map[string]string{}
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		h, rel, ok := strings.Cut(line, "  ")
		if _, err := hex.DecodeString(h); !ok || err != nil || len(h) != 2*sha256.Size || rel == "" {
			return nil, fmt.Errorf("%d: want \"<sha256>  <path>\", got %q", i+1, line)
		}
		records[rel] = h
	}
	return records, nil
}
