package framework

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/kit/check"
)

// The checker links no e2e package, so it names the variable and the
// report entry again: they must stay the framework's.
func TestTheCheckerLooksWhereTheFrameworkWritesTimelines(t *testing.T) {
	if check.TimelineDirEnv != TimelineDirEnv || check.TimelineEntry != TimelineEntry {
		t.Errorf("check names %s and %q, the framework %s and %q", check.TimelineDirEnv, check.TimelineEntry, TimelineDirEnv, TimelineEntry)
	}
}

var t0 = time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func TestLogLinesTakeDockersTimeAndLoseTheLoggersOwn(t *testing.T) {
	log := "2026-12-02T02:00:01.5Z time=2026-12-02T02:00:01.499Z level=INFO msg=\"pod started\" pod=ns/web\n" +
		"2026-12-02T02:00:02.000000001Z 2026/12/02 02:00:02 INFO HTTP verb=LIST URI=/api/v1/pods resp=200\n" +
		"the rest of a line Docker split\n" +
		"2026-12-02T02:00:03Z {\"level\":\"info\",\"msg\":\"compacted\"}\n"
	got, err := parseLogLines(strings.NewReader(log), "kubelet node-1")
	if err != nil {
		t.Fatal(err)
	}
	want := []event{
		{at(1500), "kubelet node-1", `level=INFO msg="pod started" pod=ns/web`},
		{at(2000).Add(time.Nanosecond), "kubelet node-1", "INFO HTTP verb=LIST URI=/api/v1/pods resp=200 the rest of a line Docker split"},
		{at(3000), "kubelet node-1", `{"level":"info","msg":"compacted"}`},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !got[i].At.Equal(want[i].At) || got[i].Source != want[i].Source || got[i].Text != want[i].Text {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestSourcesAreNamedByTheirLabels(t *testing.T) {
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   string
	}{
		{"/e2e-x-node-1", map[string]string{cluster.LabelComponent: cluster.Node, cluster.LabelNode: "e2e-x-node-1"}, "kubelet e2e-x-node-1"},
		{"/k8s_app_web_ns_uid_0", map[string]string{cluster.LabelComponent: cluster.ComponentPod, cluster.LabelNamespace: "ns",
			cluster.LabelPod: "web", cluster.LabelContainer: "app"}, "pod ns/web/app"},
		{"/e2e-x-apiserver", map[string]string{cluster.LabelComponent: "apiserver"}, "apiserver"},
		{"e2e-x-controller-manager-2", nil, "controller-manager-2"},
		{"", map[string]string{cluster.LabelComponent: "dns"}, "dns"},
	} {
		if got := sourceName("e2e-x", c.name, c.labels); got != c.want {
			t.Errorf("sourceName(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestEventsMergeInTimeOrderAndKeepTheirOrderWithinASource(t *testing.T) {
	api := []event{{at(100), "apiserver", "a1"}, {at(300), "apiserver", "a2"}, {at(300), "apiserver", "a3"}}
	kubelet := []event{{at(-50), "kubelet n", "before the spec"}, {at(200), "kubelet n", "k1"}, {at(300), "kubelet n", "k2"},
		{at(301), "kubelet n", "after the failure"}}
	docker := []event{{at(250), "docker", "container start"}, {at(0), "docker", "d0"}} // Docker's own order is not assumed
	var texts []string
	for _, e := range mergeEvents(t0, at(300), api, kubelet, docker) {
		texts = append(texts, e.Text)
	}
	if got, want := strings.Join(texts, ","), "d0,a1,k1,container start,a2,a3,k2"; got != want {
		t.Errorf("merged %s, want %s", got, want)
	}
}

func TestATimelineLineIsTimeAfterStartSourceAndText(t *testing.T) {
	var b bytes.Buffer
	err := formatTimeline(&b, []string{"timeline of: x"}, t0, []event{
		{at(12), "spec", "STEP: creating a pod"}, {at(1234), "kubelet node-1", "pod started"}, {at(61500), "docker", "container die pod ns/p/app exitCode=1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "# timeline of: x\n" +
		"  +0.012s  spec            STEP: creating a pod\n" +
		"  +1.234s  kubelet node-1  pod started\n" +
		" +61.500s  docker          container die pod ns/p/app exitCode=1\n"
	if b.String() != want {
		t.Errorf("timeline:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestTheSpecsStepsAndFailureAreOnTheTimeline(t *testing.T) {
	r := types.SpecReport{
		SpecEvents: types.SpecEvents{
			{SpecEventType: types.SpecEventNodeStart, NodeType: types.NodeTypeIt, Message: "should run", TimelineLocation: types.TimelineLocation{Time: at(1)}},
			{SpecEventType: types.SpecEventByStart, Message: "creating a pod", TimelineLocation: types.TimelineLocation{Time: at(2)}},
			{SpecEventType: types.SpecEventByEnd, Message: "creating a pod", TimelineLocation: types.TimelineLocation{Time: at(3)}},
		},
		Failure: types.Failure{Message: "Timed out after 5s.\nmore", Location: types.CodeLocation{FileName: "/e2e/nodes/pods.go", LineNumber: 42},
			TimelineLocation: types.TimelineLocation{Time: at(5000)}},
	}
	var texts []string
	for _, e := range specEvents(r) {
		texts = append(texts, e.Text)
	}
	if got, want := strings.Join(texts, " | "), "It should run | STEP: creating a pod | FAILED at /e2e/nodes/pods.go:42: Timed out after 5s."; got != want {
		t.Errorf("spec events %q, want %q", got, want)
	}
}

func TestTimelineFilesAreNamedAfterTheSpec(t *testing.T) {
	if got := timelineFileName("Pods [stage4] when it crashes should restart it"); got != "pods-stage4-when-it-crashes-should-restart-it.timeline.txt" {
		t.Errorf("file name %q", got)
	}
	if got := timelineFileName(strings.Repeat("long words ", 40)); len(got) > 140 || strings.Contains(got, "--") {
		t.Errorf("file name %q", got)
	}
	if got := timelineFileName(""); got != "suite.timeline.txt" {
		t.Errorf("file name of a suite node %q", got)
	}
}

func TestEachFailureGetsATimelineFileOfItsOwn(t *testing.T) {
	t.Setenv(TimelineDirEnv, t.TempDir())
	var names []string
	for range 2 {
		f, err := timelineFile("a spec")
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name())
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	first, second := names[0], names[1]
	if first == second || !strings.HasSuffix(first, "a-spec.timeline.txt") || !strings.HasSuffix(second, "a-spec.timeline.2.txt") {
		t.Errorf("files %s and %s", first, second)
	}
}
