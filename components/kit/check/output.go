package check

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/onsi/ginkgo/v2/reporters"
)

// writeJSON writes the report as JSON: per stage its result, specs and
// points, and the totals.
func writeJSON(path string, r *Report) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the JSON summary: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write the JSON summary: %w", err)
	}
	return nil
}

// writeJUnit writes every e2e run's Ginkgo report as JUnit, one test suite
// per stage and run, merged into one file with Ginkgo's own reporters.
func writeJUnit(path string, r *Report) error {
	dir, err := os.MkdirTemp("", "ownkube-junit-")
	if err != nil {
		return fmt.Errorf("write the JUnit report: %w", err)
	}
	defer os.RemoveAll(dir)
	var parts []string
	for _, s := range r.Stages {
		for i, rep := range s.reports {
			rep.SuiteDescription = fmt.Sprintf("stage %d %s (%s)", s.Stage, s.Name, r.Impl)
			if len(s.reports) > 1 {
				rep.SuiteDescription += fmt.Sprintf(" run %d", i+1)
			}
			part := filepath.Join(dir, fmt.Sprintf("stage-%02d-%d.xml", s.Stage, i))
			if err := reporters.GenerateJUnitReport(rep, part); err != nil {
				return fmt.Errorf("write the JUnit report of stage %d: %w", s.Stage, err)
			}
			parts = append(parts, part)
		}
	}
	if len(parts) == 0 {
		return os.WriteFile(path, []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"0\" failures=\"0\" errors=\"0\"></testsuites>\n"), 0o644)
	}
	if _, err := reporters.MergeAndCleanupJUnitReports(parts, path); err != nil {
		return fmt.Errorf("merge the JUnit reports: %w", err)
	}
	return nil
}
