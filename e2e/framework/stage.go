package framework

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/kit/scenario"
)

// StageEnv names the stage whose scenario the suite runs: its topology, and
// its specs unless a label filter is given. Unset, the suite brings up the
// full topology and runs every spec.
const StageEnv = "OWNKUBE_STAGE"

// stageOnce loads the stage's scenario once per process; every process of
// a parallel run reads the same environment, so all agree.
var stageOnce = sync.OnceValues(loadStage)

// loadStage reads StageEnv's scenario, or nil without one.
func loadStage() (*scenario.Scenario, error) {
	v := strings.TrimSpace(os.Getenv(StageEnv))
	if v == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return nil, fmt.Errorf("%s=%q: give a stage number such as 3", StageEnv, v)
	}
	root, err := scenario.FindRoot(".")
	if err != nil {
		return nil, err
	}
	s, err := scenario.Find(root+"/"+scenario.Dir, n)
	if err != nil {
		return nil, fmt.Errorf("%s=%d: %w", StageEnv, n, err)
	}
	return s, nil
}

// Stage is the scenario the suite runs, or nil when it runs every spec on
// the full topology.
func Stage() *scenario.Scenario {
	s, err := stageOnce()
	if err != nil {
		Fail(err.Error())
	}
	return s
}

// SuiteConfig is Ginkgo's configuration for RunSpecs: the command line's,
// with the stage's label filter when StageEnv names one and the command
// line gave none (a filter given by the user wins, so one stage's specs can
// still be narrowed).
//
//	suite, reporter, err := framework.SuiteConfig()
//	if err != nil { t.Fatal(err) }
//	RunSpecs(t, "ownkube conformance", suite, reporter)
func SuiteConfig() (types.SuiteConfig, types.ReporterConfig, error) {
	suite, reporter := GinkgoConfiguration()
	s, err := stageOnce()
	if err != nil {
		return suite, reporter, err
	}
	return withTestTimeout(withStage(suite, s), testTimeout()), reporter, nil
}

// teardownMargin is what the suite keeps, of go test's -timeout, for
// removing its cluster: the teardown's own bound plus a little.
const teardownMargin = tearDownTimeout + 30*time.Second

// withTestTimeout ends the suite before go test's -timeout does: go test
// kills the process outright, leaving the cluster's containers running,
// where a Ginkgo timeout interrupts the specs and still runs the teardown
// that removes them. A suite timeout already shorter is kept.
func withTestTimeout(suite types.SuiteConfig, testTimeout time.Duration) types.SuiteConfig {
	if testTimeout <= teardownMargin {
		return suite
	}
	if limit := testTimeout - teardownMargin; suite.Timeout == 0 || suite.Timeout > limit {
		suite.Timeout = limit
	}
	return suite
}

// testTimeout is go test's -timeout for this run (0: none).
func testTimeout() time.Duration {
	f := flag.Lookup("test.timeout")
	if f == nil {
		return 0
	}
	d, err := time.ParseDuration(f.Value.String())
	if err != nil {
		return 0
	}
	return d
}

// withStage gives suite the stage's label filter unless it has one.
func withStage(suite types.SuiteConfig, s *scenario.Scenario) types.SuiteConfig {
	if s != nil && suite.LabelFilter == "" {
		suite.LabelFilter = s.Specs.Labels
	}
	return suite
}

// topology is what the suite's cluster runs: the stage's components and
// nodes, or the full control plane and NodeCount nodes.
func topology() (components []string, nodes int, err error) {
	s, err := stageOnce()
	if err != nil {
		return nil, 0, err
	}
	components, nodes = topologyOf(s)
	return components, nodes, nil
}

// topologyOf is s's components and nodes; nil s is the full topology.
func topologyOf(s *scenario.Scenario) (components []string, nodes int) {
	if s == nil {
		return nil, NodeCount
	}
	components = cluster.NoComponents
	if len(s.Topology.Components) > 0 {
		components = s.Topology.Components
	}
	return components, s.Topology.Nodes
}

// describeTopology says in words what the suite brings up.
func describeTopology() string {
	s, _ := stageOnce()
	if s == nil {
		return "the full topology"
	}
	comps := "no control plane"
	if len(s.Topology.Components) > 0 {
		comps = strings.Join(s.Topology.Components, ", ")
	}
	return fmt.Sprintf("stage %d (%s): %s, %d nodes", s.Stage, s.Title, comps, s.Topology.Nodes)
}
