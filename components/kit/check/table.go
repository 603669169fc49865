package check

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// printTable writes the progress table: a row per stage, and under a stage
// that did not pass its first failure, the function to look at and a hint.
func printTable(w io.Writer, r *Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STAGE\tTITLE\tSPECS\tTIME\tRESULT")
	for _, s := range r.Stages {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", s.Stage, s.Title, specsCell(s), timeCell(s), resultCell(s))
	}
	tw.Flush()
	for _, s := range r.Stages {
		if s.Failure != nil && s.Result != Passed {
			printFailure(w, s)
		}
	}
	if !r.Counts {
		fmt.Fprintf(w, "\nThis run does not count: the suite's files were changed (%s).\n", strings.Join(r.ChangedSpecs, ", "))
	}
}

func printFailure(w io.Writer, s StageResult) {
	f := s.Failure
	fmt.Fprintf(w, "\nstage %d %s: %s\n", s.Stage, strings.ToLower(resultCell(s)), oneLine(f))
	if len(f.Functions) > 0 {
		fmt.Fprintf(w, "  look at: %s\n", strings.Join(qualified(f.Functions), ", "))
	}
	if f.Hint != "" {
		fmt.Fprintf(w, "  hint:    %s\n", f.Hint)
	}
	if s.readme != "" {
		fmt.Fprintf(w, "  read:    %s\n", s.readme)
	}
	if f.Timeline != "" {
		fmt.Fprintf(w, "  timeline: %s\n", f.Timeline)
	}
	if s.Log != "" && s.Result != Failed {
		fmt.Fprintf(w, "  log:     %s\n", s.Log)
	}
}

// oneLine is the failure as a line: where, what, and in which spec.
func oneLine(f *Failure) string {
	var b strings.Builder
	if f.Location != "" {
		b.WriteString(f.Location + ": ")
	}
	b.WriteString(f.Message)
	if f.Spec != "" && f.Spec != "suite" && f.Spec != "build" {
		fmt.Fprintf(&b, " [%s]", f.Spec)
	}
	return b.String()
}

// qualified names pkg.Func with the exercise file's package directory.
func qualified(funcs []string) []string {
	out := make([]string, len(funcs))
	for i, fn := range funcs {
		pkg, _, _ := strings.Cut(fn, ".")
		out[i] = fmt.Sprintf("%s (exercises/%s)", fn, pkg)
	}
	return out
}

func specsCell(s StageResult) string {
	switch {
	case s.Result == NotRun:
		return "-"
	case len(s.Runs) == 0 && s.FastTotal > 0 && !s.FastSkipped:
		return fmt.Sprintf("0/? (fast %d/%d)", s.FastPassed, s.FastTotal)
	}
	return fmt.Sprintf("%d/%d", s.Passed, s.Total)
}

func timeCell(s StageResult) string {
	if s.Result == NotRun {
		return "-"
	}
	return s.Duration.Round(time.Second).String()
}

// resultCell is the stage's outcome, with the components the reference
// ran for it: "PASS (reference: apiserver, kubelet)".
func resultCell(s StageResult) string {
	cell := runsCell(s)
	if len(s.Reference) > 0 && s.Result != NotRun {
		cell += " (reference: " + strings.Join(s.Reference, ", ") + ")"
	}
	return cell
}

func runsCell(s StageResult) string {
	if len(s.Runs) > 1 {
		ok := 0
		for _, r := range s.Runs {
			if r.OK {
				ok++
			}
		}
		return fmt.Sprintf("%s %d/%d runs", s.Result, ok, len(s.Runs))
	}
	return s.Result
}
