package framework

import (
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

func TestEachStageBringsUpItsOwnTopology(t *testing.T) {
	for _, c := range []struct {
		stage      string
		components string
		nodes      int
		labels     string
	}{
		{"1", "", 0, "stage1"},
		{"2", "etcd", 0, "stage1 || stage2"},
		{"03", "etcd,apiserver", 0, "stage3"},
		{"4", "etcd,apiserver", 2, "stage3 || stage4"},
		{"5", "etcd,apiserver,scheduler", 2, "stage3 || stage4 || stage5"},
	} {
		t.Setenv(StageEnv, c.stage)
		s, err := loadStage()
		if err != nil {
			t.Fatalf("stage %s: %v", c.stage, err)
		}
		comps, nodes := topologyOf(s)
		if comps == nil || strings.Join(comps, ",") != c.components || nodes != c.nodes {
			t.Errorf("stage %s: components %#v, %d nodes; want %q, %d", c.stage, comps, nodes, c.components, c.nodes)
		}
		if got := withStage(types.SuiteConfig{}, s).LabelFilter; got != c.labels {
			t.Errorf("stage %s: label filter %q, want %q", c.stage, got, c.labels)
		}
		if got := withStage(types.SuiteConfig{LabelFilter: "smoke"}, s).LabelFilter; got != "smoke" {
			t.Errorf("stage %s: the user's label filter became %q", c.stage, got)
		}
	}
}

func TestWithoutAStageTheSuiteRunsEverythingOnTheFullTopology(t *testing.T) {
	t.Setenv(StageEnv, "")
	s, err := loadStage()
	if err != nil || s != nil {
		t.Fatalf("loadStage = %v, %v; want none", s, err)
	}
	if comps, nodes := topologyOf(s); comps != nil || nodes != NodeCount {
		t.Errorf("components %#v, %d nodes; want the launcher's default and %d", comps, nodes, NodeCount)
	}
	if got := withStage(types.SuiteConfig{}, s).LabelFilter; got != "" {
		t.Errorf("label filter %q, want none", got)
	}
}

func TestABadStageSaysWhatToGive(t *testing.T) {
	for _, v := range []string{"three", "0", "42"} {
		t.Setenv(StageEnv, v)
		if _, err := loadStage(); err == nil || !strings.Contains(err.Error(), StageEnv) {
			t.Errorf("%s=%s: %v", StageEnv, v, err)
		}
	}
}

func TestTheSuiteEndsBeforeGoTestKillsIt(t *testing.T) {
	cases := []struct {
		name        string
		suite, test time.Duration
		want        time.Duration
	}{
		{"Ginkgo's default hour under go test's 30m", time.Hour, 30 * time.Minute, 30*time.Minute - teardownMargin},
		{"a shorter suite timeout is kept", 5 * time.Minute, 30 * time.Minute, 5 * time.Minute},
		{"no go test timeout", time.Hour, 0, time.Hour},
		{"a go test timeout too short to leave a margin", time.Hour, time.Minute, time.Hour},
	}
	for _, c := range cases {
		if got := withTestTimeout(types.SuiteConfig{Timeout: c.suite}, c.test).Timeout; got != c.want {
			t.Errorf("%s: suite timeout %s, want %s", c.name, got, c.want)
		}
	}
}
