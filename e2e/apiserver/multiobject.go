package apiserver

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ownkube/ownkube/e2e/framework"
)

// listManifest is a kind: List of two ConfigMaps labelled set=pruned.
const listManifest = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: kept, labels: {set: pruned}}
  data: {k: v}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: dropped, labels: {set: pruned}}
  data: {k: v}
`

// keptManifest is the same set without dropped.
const keptManifest = `apiVersion: v1
kind: ConfigMap
metadata: {name: kept, labels: {set: pruned}}
data: {k: v}
`

// The kubectl commands that work on many kinds at once: they list every
// kind of their allow-list, and validate on the client against
// /openapi/v2 what the server cannot validate (a List is no served kind).
var _ = Describe("kubectl's commands over many kinds", Label("apiserver", "stage3", "kubectl"), func() {
	var (
		ns string
		k  *framework.Kubectl
	)

	BeforeEach(func() {
		k = framework.NewKubectl()
		ns = framework.NewNamespace("multiobject")
	})

	write := func(name, content string) string {
		GinkgoHelper()
		path := filepath.Join(GinkgoT().TempDir(), name)
		Expect(os.WriteFile(path, []byte(content), 0o644)).To(Succeed())
		return path
	}

	It("should apply a kind: List, validated, and prune what the manifest no longer names with the default allow-list", func(ctx SpecContext) {
		out := k.Run(ctx, "apply", "-n", ns, "-f", write("list.yaml", listManifest))
		expectLine(out, `^configmap/kept created$`, "kubectl apply of the List should create kept")
		expectLine(out, `^configmap/dropped created$`, "kubectl apply of the List should create dropped")

		By("applying the set without dropped, with --prune -l set=pruned")
		out = k.Run(ctx, "apply", "-n", ns, "--prune", "-l", "set=pruned", "-f", write("kept.yaml", keptManifest))
		expectLine(out, `^configmap/dropped pruned$`, "kubectl apply --prune should prune dropped")
		Expect(strings.Fields(k.Run(ctx, "get", "configmaps", "-n", ns, "-l", "set=pruned", "-o", "name"))).
			To(ConsistOf("configmap/kept"), "only kept should be left")
	}, SpecTimeout(specTimeout))

	It("should dump a namespace with cluster-info dump", func(ctx SpecContext) {
		k.Run(ctx, "create", "configmap", "seen", "-n", ns, "--from-literal=k=v")
		dir := GinkgoT().TempDir()
		k.Run(ctx, "cluster-info", "dump", "--namespaces", ns, "--output-directory", dir)
		for _, file := range []string{"nodes.json", ns + "/events.json", ns + "/replication-controllers.json", ns + "/pods.json", ns + "/deployments.json"} {
			Expect(filepath.Join(dir, file)).To(BeAnExistingFile(), "cluster-info dump should write %s", file)
		}
	}, SpecTimeout(specTimeout))
})

// The OpenAPI documents are the server's given plumbing: explain reads no
// stored object, so it passes with the store a stub (label given).
var _ = Describe("kubectl explain", Label("apiserver", "stage3", "kubectl", "given"), func() {
	It("should explain a field from /openapi/v2 as from /openapi/v3", func(ctx SpecContext) {
		k := framework.NewKubectl()
		for _, format := range []string{"plaintext", "plaintext-openapiv2"} {
			out := k.Run(ctx, "explain", "pods.spec.containers.image", "--output="+format)
			expectLine(out, `^KIND:\s+Pod$`, "kubectl explain --output="+format+" should name the kind")
			expectLine(out, `^FIELD:\s+image`, "kubectl explain --output="+format+" should name the field")
			Expect(out).To(ContainSubstring("Container image name"), "kubectl explain --output=%s should print the field's description", format)
		}
	}, SpecTimeout(specTimeout))
})
