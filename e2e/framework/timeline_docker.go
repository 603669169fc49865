package framework

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/pkg/stdcopy"
	. "github.com/onsi/ginkgo/v2"

	"github.com/ownkube/ownkube/components/cluster"
)

// dockerEventActions are the container events a timeline shows: a
// container's life, not the exec or attach calls made on it.
var dockerEventActions = []events.Action{
	events.ActionCreate, events.ActionStart, events.ActionRestart, events.ActionKill, events.ActionOOM,
	events.ActionDie, events.ActionStop, events.ActionDestroy, events.ActionPause, events.ActionUnPause,
}

// writeTimeline writes the current spec's timeline to a file and names it
// in the report entry TimelineEntry; what it could not collect is said in
// the file, and what it could not write in a report entry of its own.
func writeTimeline(ctx context.Context, clusterName string) {
	report := CurrentSpecReport()
	f, err := timelineFile(report.FullText())
	if err == nil {
		err = writeTimelineTo(ctx, f, clusterName, report)
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write the timeline %s: %w", f.Name(), cerr)
		}
	}
	if err != nil {
		AddReportEntry("Timeline not written", err.Error(), ReportEntryVisibilityFailureOrVerbose)
		return
	}
	AddReportEntry(TimelineEntry, f.Name(), ReportEntryVisibilityFailureOrVerbose)
}

// timelineFile creates the file for the timeline of the spec named text,
// under TimelineDirEnv's directory; a spec that fails again (a repeat, a
// flake's retry) gets a file of its own.
func timelineFile(text string) (*os.File, error) {
	dir := os.Getenv(TimelineDirEnv)
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "ownkube-timelines")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("make the timeline directory (%s): %w", TimelineDirEnv, err)
	}
	name := timelineFileName(text)
	for i := 1; ; i++ {
		path := filepath.Join(dir, name)
		if i > 1 {
			path = filepath.Join(dir, fmt.Sprintf("%s.%d.txt", strings.TrimSuffix(name, ".txt"), i))
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("create the timeline: %w", err)
		}
		return f, nil
	}
}

// writeTimelineTo collects the timeline from the spec's start to its
// failure (what the harness does after it, dumping the namespace, is its
// own) and writes it to w.
func writeTimelineTo(ctx context.Context, w io.Writer, clusterName string, report SpecReport) error {
	start, end := report.StartTime, report.Failure.TimelineLocation.Time
	if end.IsZero() {
		end = time.Now()
	}
	logs, logErrs := containerLogEvents(ctx, clusterName, start)
	dockerEvents, eventsErr := dockerEventsBetween(ctx, clusterName, start, end)
	all := mergeEvents(start, end, logs, dockerEvents, specEvents(report))

	header := []string{
		"timeline of: " + report.FullText(),
		fmt.Sprintf("spec started %s (the +0.000s below), on cluster %s", start.UTC().Format(time.RFC3339Nano), clusterName),
		"sources: the spec's steps, Docker events, and every line the cluster's containers logged (the apiserver's: requests and watch events)",
	}
	if f := report.Failure; f.Message != "" {
		header = append(header, fmt.Sprintf("failed at +%.3fs, where the timeline ends: %s", end.Sub(start).Seconds(), firstLineOf(f.Message)))
	}
	for _, err := range append(logErrs, eventsErr) {
		if err != nil {
			header = append(header, "not complete: "+err.Error())
		}
	}
	if err := formatTimeline(w, header, start, all); err != nil {
		return fmt.Errorf("write the timeline: %w", err)
	}
	return nil
}

// containerLogEvents reads what every container of the cluster, running or
// not, logged since start. A container it cannot read is named in the
// errors, and the rest are read anyway.
func containerLogEvents(ctx context.Context, clusterName string, start time.Time) ([]event, []error) {
	cs, err := docker.ContainerList(ctx, container.ListOptions{All: true, Filters: cluster.ClusterFilter(clusterName)})
	if err != nil {
		return nil, []error{fmt.Errorf("list the containers of cluster %s: %w", clusterName, err)}
	}
	var out []event
	var errs []error
	for _, c := range cs {
		source := sourceName(clusterName, firstOr(c.Names, c.ID[:12]), c.Labels)
		evs, err := containerLogSince(ctx, c.ID, source, start)
		out = append(out, evs...)
		// A container removed, or being removed, since the list has no log
		// to read; its Docker events say what became of it.
		if err != nil && !cerrdefs.IsNotFound(err) && !cerrdefs.IsConflict(err) {

			errs = append(errs, err)
		}
	}
	return out, errs
}

func containerLogSince(ctx context.Context, id, source string, start time.Time) ([]event, error) {
	rc, err := docker.ContainerLogs(ctx, id, container.LogsOptions{
		ShowStdout: true, ShowStderr: true, Timestamps: true, Since: dockerTime(start),
	})
	if err != nil {
		return nil, fmt.Errorf("read the log of %s: %w", source, err)
	}
	defer rc.Close()
	// stdout and stderr both go to the pipe, frame by frame: each frame is
	// whole lines, so they interleave as they were written.
	pr, pw := io.Pipe()
	go func() { _, err := stdcopy.StdCopy(pw, pw, rc); pw.CloseWithError(err) }()
	evs, err := parseLogLines(pr, source)
	pr.Close()
	return evs, err
}

// dockerEventsBetween lists the container events of the cluster from start
// to end: the stream ends (io.EOF) once Docker has sent them all.
func dockerEventsBetween(ctx context.Context, clusterName string, start, end time.Time) ([]event, error) {
	f := cluster.ClusterFilter(clusterName)
	f.Add("type", string(events.ContainerEventType))
	for _, a := range dockerEventActions {
		f.Add("event", string(a))
	}
	msgs, errs := docker.Events(ctx, events.ListOptions{Since: dockerTime(start), Until: dockerTime(end), Filters: f})
	var out []event
	for {
		select {
		case m := <-msgs:
			out = append(out, dockerEvent(clusterName, m))
		case err := <-errs:
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, fmt.Errorf("read the Docker events of cluster %s: %w", clusterName, err)
		}
	}
}

// dockerEvent is a container event as a timeline line: "die pod
// ns/web/app exitCode=1", the container named as its log lines are.
func dockerEvent(clusterName string, m events.Message) event {
	a := m.Actor.Attributes
	text := fmt.Sprintf("container %s %s", m.Action, sourceName(clusterName, a["name"], a))
	for _, k := range []string{"exitCode", "signal"} {
		if v, ok := a[k]; ok {
			text += " " + k + "=" + v
		}
	}
	return event{At: time.Unix(0, m.TimeNano), Source: "docker", Text: text}
}

// dockerTime is t as the Docker API takes it: seconds.nanoseconds.
func dockerTime(t time.Time) string { return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond()) }
