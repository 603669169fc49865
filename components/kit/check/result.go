package check

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/ownkube/ownkube/components/kit/scenario"
)

// Outcomes of a stage.
const (
	Passed  = "PASS"
	Failed  = "FAIL"
	Infra   = "ERROR"
	Timeout = "TIMEOUT"
	NotRun  = "not run"
)

// StageResult is what one stage's run found.
type StageResult struct {
	Stage int    `json:"stage"`
	Name  string `json:"name"`
	Title string `json:"title"`
	// Result is Passed, Failed, Infra, Timeout or NotRun.
	Result string `json:"result"`
	// Reference are the components of --reference the stage ran: a pass
	// with any is the reference's as much as the learner's.
	Reference []string `json:"reference,omitempty"`
	// FastSkipped says the fast tests were not run: every learner package
	// of the stage is linked by a referenced component.
	FastSkipped bool `json:"fastSkipped,omitempty"`
	// Fast counts the fast packages' tests.
	FastPassed int `json:"fastPassed"`
	FastTotal  int `json:"fastTotal"`
	// Passed and Total count the e2e specs of the stage's last run.
	Passed int `json:"passed"`
	Total  int `json:"total"`
	// Points is the stage's score: the specs that passed.
	Points   int           `json:"points"`
	Duration time.Duration `json:"-"`
	Seconds  float64       `json:"seconds"`
	// Runs are the e2e runs with --repeat, each with its seed.
	Runs []RunResult `json:"runs,omitempty"`
	// Failure is the stage's first failure.
	Failure *Failure `json:"firstFailure,omitempty"`
	// Log is the file that holds the e2e run's output.
	Log string `json:"log,omitempty"`

	reports []types.Report
	readme  string // the stage's README, from the repository's root
}

// RunResult is one e2e run of a stage.
type RunResult struct {
	Seed   int64 `json:"seed"`
	Passed int   `json:"passed"`
	Total  int   `json:"total"`
	OK     bool  `json:"ok"`
}

// Failure is a failure in one line, and where to look.
type Failure struct {
	// Spec is the failing spec's or test's full name.
	Spec string `json:"spec"`
	// Location is file:line of the failure.
	Location string `json:"location"`
	// Message is the failure's first line.
	Message string `json:"message"`
	// Functions are the learner functions to look at.
	Functions []string `json:"functions,omitempty"`
	// Hint is the scenario's hint that matches.
	Hint string `json:"hint,omitempty"`
	// Timeline is the file with the failed spec's timeline: the API
	// requests, watch events, Docker events and component log lines of
	// its run, in time order.
	Timeline string `json:"timeline,omitempty"`
}

var notImplemented = regexp.MustCompile(`not implemented: stage (\d+) ([A-Za-z_][\w.]*)`)

// explain fills in the function to look at and the hint for f, a failure
// of stage s: the stub named in the message, or the learner functions of
// the stage the failing spec is labelled with, or all of s's.
func explain(f *Failure, full string, labels []string, s *scenario.Scenario, all []*scenario.Scenario) {
	if m := notImplemented.FindStringSubmatch(full); m != nil {
		f.Functions = []string{m[2]}
	} else {
		f.Functions = functionsOfStage(labelStage(labels), all)
		if len(f.Functions) == 0 {
			f.Functions = s.LearnerFunctions()
		}
	}
	if h := s.HintsFor(full); len(h) > 0 {
		f.Hint = h[0].Text
	}
}

// labelStage is N of the first stageN label, or 0.
func labelStage(labels []string) int {
	for _, l := range labels {
		if n, err := strconv.Atoi(strings.TrimPrefix(l, "stage")); err == nil && strings.HasPrefix(l, "stage") {
			return n
		}
	}
	return 0
}

// functionsOfStage lists the learner functions whose region is stage n.
func functionsOfStage(n int, all []*scenario.Scenario) []string {
	if n == 0 {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range all {
		for _, l := range s.Learner {
			if l.Stage != n {
				continue
			}
			for _, fn := range l.Functions {
				if q := l.Package + "." + fn; !seen[q] {
					seen[q] = true
					out = append(out, q)
				}
			}
		}
	}
	return out
}

// firstLine is s's first non-empty line, trimmed and shortened to max runes.
func firstLine(s string, max int) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if r := []rune(l); len(r) > max {
				return string(r[:max-1]) + "…"
			}
			return l
		}
	}
	return ""
}
