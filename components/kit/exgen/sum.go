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

// readSumFile reads one of dir's record files; a missing one records nothing.
func readSumFile(dir, file string) (map[string]string, error) {
	name := filepath.Join(dir, file)
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

// RegionsFile, in exercises/, records each Go file with regions part by
// part, in the same format: "<sha256>  <path>#<Func>" is the region whose
// first function is Func ("Recv.Method" for a method) as generated, and
// "<sha256>  <path>#" the file's given code: the file without its imports
// and with each region cut down to one marker line. A region that no longer
// matches its record holds a learner's work; given code that no longer
// matches was edited by hand, and exgen then leaves the whole file alone.
const RegionsFile = ".exgen.regions"

// records is what exercises/ remembers of the files exgen wrote there.
type records struct {
	files   map[string]string // rel → hash of the file as generated
	regions map[string]string // rel#Func → hash of the region as generated; rel# → of its given code
}

func readRecords(dir string) (records, error) {
	files, err := readSumFile(dir, SumFile)
	if err != nil {
		return records{}, err
	}
	regions, err := readSumFile(dir, RegionsFile)
	if err != nil {
		return records{}, err
	}
	return records{files: files, regions: regions}, nil
}

// recordsOf records files as generated: what a pristine exercises/ holds.
func recordsOf(files map[string][]byte) (records, error) {
	rec := records{files: map[string]string{}, regions: map[string]string{}}
	for rel, data := range files {
		if err := rec.set(rel, data); err != nil {
			return records{}, err
		}
	}
	return rec, nil
}

// set records data, generated for rel.
func (r records) set(rel string, data []byte) error {
	r.files[rel] = hashOf(data)
	spans, err := regionSpans(rel, data)
	if err != nil || len(spans) == 0 {
		return err
	}
	for _, s := range spans {
		r.regions[rel+"#"+s.key()] = hashOf(s.text(data))
	}
	skel, err := skeleton(data)
	if err != nil {
		return fmt.Errorf("exgen: %s: %w", rel, err)
	}
	r.regions[rel+"#"] = hashOf(skel)
	return nil
}

// keep carries rel's records over from old: a file left alone keeps what
// exgen last wrote there, so that its edit stays visible.
func (r records) keep(rel string, old records) {
	if h, ok := old.files[rel]; ok {
		r.files[rel] = h
	}
	for k, h := range old.regions {
		if strings.HasPrefix(k, rel+"#") {
			r.regions[k] = h
		}
	}
}

// regionSpans finds the regions of a Go source file; other files have none.
func regionSpans(rel string, data []byte) ([]span, error) {
	if !isGoSource(rel) || !bytes.Contains(data, []byte(beginMarker)) {
		return nil, nil
	}
	spans, err := textSpans(data)
	if err != nil {
		return nil, fmt.Errorf("exgen: %s: %w", rel, err)
	}
	return spans, nil
}

func (r records) write(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, SumFile), formatSum(r.files), 0o644); err != nil {
		return fmt.Errorf("exgen: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, RegionsFile), formatSum(r.regions), 0o644); err != nil {
		return fmt.Errorf("exgen: %w", err)
	}
	return nil
}
