// Package smoke proves the suite's bring-up: a cluster comes up, serves the
// API, and goes away leaving nothing behind.
package smoke

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ownkube/ownkube/e2e/framework"
)

func TestSmoke(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Smoke")
}

var _ = framework.SetUpSuite()
