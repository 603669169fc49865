// Package e2e_test is the ownkube conformance suite: one Ginkgo suite, one
// cluster for all its specs, one summary at the end. The specs live in the
// packages imported below, one per area, each declaring its Describes at
// package level as Kubernetes' test/e2e does; labels select a stage or an
// area (ginkgo --label-filter=stage3).
package e2e_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ownkube/ownkube/e2e/framework"

	_ "github.com/ownkube/ownkube/e2e/apiserver"
	_ "github.com/ownkube/ownkube/e2e/controllers"
	_ "github.com/ownkube/ownkube/e2e/coupled"
	_ "github.com/ownkube/ownkube/e2e/dns"
	_ "github.com/ownkube/ownkube/e2e/faults"
	_ "github.com/ownkube/ownkube/e2e/nodes"
	_ "github.com/ownkube/ownkube/e2e/portforward"
	_ "github.com/ownkube/ownkube/e2e/scheduling"
	_ "github.com/ownkube/ownkube/e2e/services"
	_ "github.com/ownkube/ownkube/e2e/smoke"
	_ "github.com/ownkube/ownkube/e2e/workloads"
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	// OWNKUBE_STAGE=N selects stage N's specs unless -ginkgo.label-filter
	// says otherwise.
	suite, reporter, err := framework.SuiteConfig()
	if err != nil {
		t.Fatal(err)
	}
	RunSpecs(t, "ownkube conformance", suite, reporter)
}

var _ = framework.SetUpSuite()
