package framework

import (
	"strings"
	"testing"

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
