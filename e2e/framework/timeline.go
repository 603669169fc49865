package framework

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/ownkube/ownkube/components/cluster"
)

// The timeline of a failing spec: every line the cluster's containers
// logged since the spec started (the API server's requests and watch
// events among them: the suite starts it with --log-requests), the Docker
// events of its containers (start, die, oom, kill, ...) and the spec's own
// steps, merged in time order into one file, so a learner sees which
// component did what when. This file holds the pure part: parsing, naming
// the sources, merging and formatting; timeline_docker.go collects.

// TimelineDirEnv names the directory the timelines are written to; by
// default one under the system's temporary directory. `ownkube check`
// sets it under its log directory (check.TimelineDirEnv).
const TimelineDirEnv = "OWNKUBE_TIMELINE_DIR"

// TimelineEntry is the name of the report entry of a failed spec whose
// value is the path of its timeline (check.TimelineEntry reads it).
const TimelineEntry = "Timeline"

// event is one line of a timeline: when, who, what.
type event struct {
	At     time.Time
	Source string
	Text   string
}

// parseLogLines reads a container's log as Docker gives it with
// Timestamps, "2026-12-02T02:12:56.123456789Z text" a line, into events of
// source. A line without a timestamp (a long line Docker split) goes with
// the one before it.
func parseLogLines(r io.Reader, source string) ([]event, error) {
	var out []event
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		stamp, text, _ := strings.Cut(line, " ")
		at, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil {
			if len(out) > 0 {
				out[len(out)-1].Text += " " + line
			}
			continue
		}
		if text = trimLogTime(text); text != "" {
			out = append(out, event{At: at, Source: source, Text: text})
		}
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("read the log of %s: %w", source, err)
	}
	return out, nil
}

// logTimes are the time prefixes the components' loggers write, which the
// timeline's own column repeats: slog's text handler ("time=... ") and the
// log package's, which slog's default logger goes through ("2026/12/02 02:12:56 ").
var logTimes = regexp.MustCompile(`^(time=\S+ |\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(\.\d+)? )`)

func trimLogTime(text string) string {
	return strings.TrimSpace(logTimes.ReplaceAllString(text, ""))
}

// sourceName names a container of cluster for the timeline, from its
// labels and name: "kubelet node-1", "pod ns/name/container", or the
// component's name ("apiserver", "etcd", "scheduler", ...).
func sourceName(clusterName, containerName string, labels map[string]string) string {
	switch labels[cluster.LabelComponent] {
	case cluster.Node:
		return "kubelet " + labels[cluster.LabelNode]
	case cluster.ComponentPod:
		return fmt.Sprintf("pod %s/%s/%s", labels[cluster.LabelNamespace], labels[cluster.LabelPod], labels[cluster.LabelContainer])
	}
	name := strings.TrimPrefix(strings.TrimPrefix(containerName, "/"), clusterName+"-")
	return cmp.Or(name, labels[cluster.LabelComponent], "container")
}

// specEvents are the spec's own steps from its report: each node it ran
// (BeforeEach, It, ...), each By, and its failure.
func specEvents(r types.SpecReport) []event {
	var out []event
	for _, se := range r.SpecEvents {
		switch se.SpecEventType {
		case types.SpecEventByStart:
			out = append(out, event{At: se.TimelineLocation.Time, Source: "spec", Text: "STEP: " + se.Message})
		case types.SpecEventNodeStart:
			out = append(out, event{At: se.TimelineLocation.Time, Source: "spec", Text: strings.TrimSpace(se.NodeType.String() + " " + se.Message)})
		}
	}
	if f := r.Failure; !f.TimelineLocation.Time.IsZero() {
		out = append(out, event{At: f.TimelineLocation.Time, Source: "spec", Text: "FAILED at " + f.Location.String() + ": " + firstLineOf(f.Message)})
	}
	return out
}

// mergeEvents puts the events of every source in time order, keeping the
// order within a source for lines of the same instant, and drops those
// before start or after end.
func mergeEvents(start, end time.Time, sources ...[]event) []event {
	var all []event
	for _, s := range sources {
		for _, e := range s {
			if !e.At.Before(start) && !e.At.After(end) {
				all = append(all, e)
			}
		}
	}
	slices.SortStableFunc(all, func(a, b event) int { return a.At.Compare(b.At) })
	return all
}

// formatTimeline writes the header lines, then an event a line: its time
// after start ("+1.234s"), its source, padded to the widest, and its text.
func formatTimeline(w io.Writer, header []string, start time.Time, events []event) error {
	width := 0
	for _, e := range events {
		width = max(width, len(e.Source))
	}
	bw := bufio.NewWriter(w)
	for _, h := range header {
		fmt.Fprintf(bw, "# %s\n", h)
	}
	for _, e := range events {
		fmt.Fprintf(bw, "%9s  %-*s  %s\n", fmt.Sprintf("+%.3fs", e.At.Sub(start).Seconds()), width, e.Source, e.Text)
	}
	return bw.Flush()
}

var unsafeInName = regexp.MustCompile(`[^a-z0-9]+`)

// timelineFileName is a file name for the spec's timeline: its text in
// lower case with dashes, short enough for any file system.
func timelineFileName(specText string) string {
	name := strings.Trim(unsafeInName.ReplaceAllString(strings.ToLower(specText), "-"), "-")
	if len(name) > 120 {
		name = strings.TrimRight(name[:120], "-")
	}
	return cmp.Or(name, "suite") + ".timeline.txt"
}

func firstLineOf(s string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return first
}
