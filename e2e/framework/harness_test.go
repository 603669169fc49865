package framework

import (
	"os/exec"
	"strings"
	"testing"
)

// TestTheHarnessLinksNoLearnerCode keeps a promise of the kit: a compile
// error in a learner's stage-4 file cannot break the grading of stage 3,
// because nothing under e2e/ links exercises/ or solutions/. (bench/, which
// measures the learner's scheduler in-process, is not the harness.)
func TestTheHarnessLinksNoLearnerCode(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to list the suite's imports: %v", err)
	}
	for _, tags := range []string{"", "solutions"} {
		out, err := exec.Command("go", "list", "-tags", tags, "-deps", "-test",
			"github.com/ownkube/ownkube/e2e/...").CombinedOutput()
		if err != nil {
			t.Fatalf("go list -tags %q: %v\n%s", tags, err, out)
		}
		for _, pkg := range strings.Fields(string(out)) {
			if strings.HasPrefix(pkg, "github.com/ownkube/ownkube/exercises/") || strings.HasPrefix(pkg, "github.com/ownkube/ownkube/solutions/") {
				t.Errorf("with tags %q a package under e2e/ links %s; move what it needs into a leaf package under components/", tags, pkg)
			}
		}
	}
}
