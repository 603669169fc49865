package scenario

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestAReferenceListNamesComponentsWithLearnerCode(t *testing.T) {
	got, err := ParseReference(" apiserver,kubelet,,apiserver ")
	if err != nil || strings.Join(got, ",") != "apiserver,kubelet" {
		t.Errorf("ParseReference = %v, %v; want apiserver,kubelet", got, err)
	}
	for _, bad := range []string{"etcd", "dns", "kube-proxy", "apiserver,Kubelet"} {
		if _, err := ParseReference(bad); err == nil || !strings.Contains(err.Error(), "choose among") {
			t.Errorf("ParseReference(%q) = %v; want an error naming the choices", bad, err)
		}
	}
}

// Every learner package of every stage is linked by a referable component,
// so --reference can stand in for any stage's code.
func TestEveryLearnerPackageHasAReferableComponent(t *testing.T) {
	all, err := LoadDir(filepath.Join("..", "..", "..", Dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		for _, l := range s.Learner {
			if c := ComponentOf(l.Package); !slices.Contains(Referable, c) {
				t.Errorf("stage %d: learner package %s maps to %q, not a referable component", s.Stage, l.Package, c)
			}
		}
	}
}

func TestAStageIsReferencedByTheComponentsItRuns(t *testing.T) {
	all, err := LoadDir(filepath.Join("..", "..", "..", Dir))
	if err != nil {
		t.Fatal(err)
	}
	ref := []string{"apiserver", "kubelet"}
	for _, tc := range []struct {
		stage      int
		referenced string
		learner    bool
	}{
		{1, "kubelet", true},            // push nodes; its learner code is the kubelet's
		{2, "kubelet", false},           // push nodes; its store runs in the host CLI, not an API server
		{3, "apiserver", true},          // no nodes
		{4, "apiserver,kubelet", true},  // both, and its code is the kubelet's
		{5, "apiserver,kubelet", false}, // the scheduler is the learner's
	} {
		s := all[tc.stage-1]
		if got := strings.Join(s.Referenced(ref), ","); got != tc.referenced {
			t.Errorf("stage %d: referenced %q, want %q", tc.stage, got, tc.referenced)
		}
		if got := s.LearnerReferenced(ref); got != tc.learner {
			t.Errorf("stage %d: learner code all referenced = %v, want %v", tc.stage, got, tc.learner)
		}
	}
}
