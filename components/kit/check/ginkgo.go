package check

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// suiteOutcome is what a Ginkgo JSON report says of one run.
type suiteOutcome struct {
	report types.Report
	passed int
	total  int
	// failed lists the failed specs in the order they ran.
	failed []types.SpecReport
	// setupFailed is a failure of the suite's setup (bringing the cluster up)
	// or teardown, which no spec's code caused.
	setupFailed *types.SpecReport
	// interrupted is set when the run was cut short (timeout, signal).
	interrupted bool
}

// readReport reads the Ginkgo JSON report at path: a list of suite reports
// of which the e2e run writes one.
func readReport(path string) (*suiteOutcome, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the Ginkgo report: %w", err)
	}
	var reports []types.Report
	if err := json.Unmarshal(data, &reports); err != nil {
		return nil, fmt.Errorf("parse the Ginkgo report %s: %w", path, err)
	}
	if len(reports) == 0 {
		return nil, fmt.Errorf("the Ginkgo report %s holds no suite", path)
	}
	return outcomeOf(reports[0]), nil
}

func outcomeOf(r types.Report) *suiteOutcome {
	o := &suiteOutcome{report: r, total: r.PreRunStats.SpecsThatWillRun}
	for i := range r.SpecReports {
		sr := r.SpecReports[i]
		switch {
		case sr.LeafNodeType == types.NodeTypeIt && sr.State == types.SpecStatePassed:
			o.passed++
		case sr.LeafNodeType == types.NodeTypeIt && sr.State.Is(types.SpecStateFailureStates):
			o.failed = append(o.failed, sr)
		case sr.LeafNodeType.Is(types.NodeTypesForSuiteLevelNodes) && sr.State.Is(types.SpecStateFailureStates) && o.setupFailed == nil:
			o.setupFailed = &sr
		}
		if sr.State == types.SpecStateInterrupted {
			o.interrupted = true
		}
	}
	for _, reason := range r.SpecialSuiteFailureReasons {
		if strings.Contains(reason, "Interrupted") {
			o.interrupted = true
		}
	}
	return o
}

// specFailure is sr's failure in one line.
func specFailure(sr types.SpecReport) (*Failure, string) {
	loc := sr.Failure.Location
	if sr.Failure.FailureNodeLocation.FileName != "" && loc.FileName == "" {
		loc = sr.Failure.FailureNodeLocation
	}
	msg := sr.Failure.Message
	if sr.Failure.ForwardedPanic != "" {
		msg = "panic: " + sr.Failure.ForwardedPanic
	}
	name := sr.FullText()
	if name == "" {
		name = sr.LeafNodeType.String()
	}
	f := &Failure{Spec: name, Location: shortLocation(loc), Message: headline(msg), Timeline: timelineOf(sr)}
	return f, msg
}

// timelineOf is the path of the timeline the e2e framework wrote for the
// failed spec sr, from its report entry; "" if it wrote none.
func timelineOf(sr types.SpecReport) string {
	for _, e := range sr.ReportEntries {
		if e.Name == TimelineEntry {
			return e.Value.String()
		}
	}
	return ""
}

// shortLocation is file:line with the file relative to the repository,
// where it is under e2e/ or components/.
func shortLocation(loc types.CodeLocation) string {
	if loc.FileName == "" {
		return ""
	}
	file := filepath.ToSlash(loc.FileName)
	for _, dir := range []string{"/e2e/", "/components/", "/exercises/", "/solutions/"} {
		if i := strings.LastIndex(file, dir); i >= 0 {
			file = file[i+1:]
			break
		}
	}
	return fmt.Sprintf("%s:%d", file, loc.LineNumber)
}

// headline is a failure message's first line; for Gomega's "Timed out
// after 15s." it is joined with the next, which says what was awaited.
func headline(msg string) string {
	first := firstLine(msg, 160)
	if !strings.HasPrefix(first, "Timed out after") && !strings.HasPrefix(first, "Told to stop trying") {
		return first
	}
	_, rest, _ := strings.Cut(strings.TrimSpace(msg), "\n")
	if next := firstLine(rest, 160); next != "" {
		return firstLine(first+" "+next, 200)
	}
	return first
}
