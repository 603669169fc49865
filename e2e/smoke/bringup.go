// Package smoke proves the suite's bring-up: a cluster comes up, serves the
// API, and goes away leaving nothing behind. Its specs run in the one
// conformance suite, e2e/e2e_suite_test.go, which imports this package.
package smoke

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("Cluster bring-up", Label("smoke", "stage3", "apiserver"), func() {
	It("should serve the default namespaces", func(ctx SpecContext) {
		list, err := framework.Client().CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		Expect(err).NotTo(HaveOccurred())
		var names []string
		for _, ns := range list.Items {
			names = append(names, ns.Name)
		}
		Expect(names).To(ContainElements("default", "kube-system", "kube-node-lease"))
	}, SpecTimeout(30*time.Second))
})
