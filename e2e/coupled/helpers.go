// Package coupled holds the specs of the kit's first two stages, where no
// API server runs: the ownkube CLI creates push nodes (node containers whose
// kubelet takes pods over HTTP) and pushes pods to them (stage 1), then
// also keeps its records of nodes and pods in etcd, with compare-and-swap
// (stage 2). The specs drive the CLI binary (framework.CLI) as a learner
// does, and look behind it only through Docker and etcd.
//
// They run on any topology that has a cluster network, the full one too:
// each spec creates its own push nodes in the suite's cluster, so teardown
// removes them with it, and stage 2 keeps its records in the suite's etcd
// under /ownkube/, never the API server's /registry/.
package coupled

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/rand"

	"github.com/ownkube/ownkube/e2e/framework"
)

// echoManifest is a pod of one echo container (components/images/echo),
// which answers HTTP on 8080 and logs a line at start and per request.
const echoManifest = `apiVersion: v1
kind: Pod
metadata:
  name: %s
  labels: {app: echo}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: ownkube/echo:latest
    imagePullPolicy: Never
    env:
    - {name: POD_NAME, value: %s}
`

// cli runs the CLI in the suite's cluster with args, plus --cluster.
func cli(ctx context.Context, args ...string) framework.CLIResult {
	return framework.RunCLI(ctx, append(args, "--cluster", framework.Cluster().Name)...)
}

// mustCLI runs the CLI and fails the spec unless it exits 0.
func mustCLI(ctx context.Context, args ...string) framework.CLIResult {
	GinkgoHelper()
	r := cli(ctx, args...)
	Expect(r.Err).NotTo(HaveOccurred(), "%s", r)
	return r
}

// newName is a name no other spec uses: prefix-<random>.
func newName(prefix string) string { return prefix + "-" + rand.String(6) }

// newNode creates a push node with the CLI (extra: --etcd, say) and
// deletes it when the spec ends, with its pods' containers.
func newNode(ctx context.Context, extra ...string) string {
	GinkgoHelper()
	name := newName("push")
	By("creating push node " + name)
	mustCLI(ctx, append([]string{"node", "create", name}, extra...)...)
	DeferCleanup(func(ctx SpecContext) {
		r := cli(ctx, append([]string{"node", "delete", name}, extra...)...)
		Expect(r.Err).NotTo(HaveOccurred(), "%s", r)
	}, NodeTimeout(cleanupTimeout))
	return name
}

// manifest writes the echo pod name's manifest to a file of the spec and
// returns its path.
func manifest(name string) string {
	GinkgoHelper()
	return writeManifest(name, fmt.Sprintf(echoManifest, name, name))
}

// writeManifest writes content to a file of the spec and returns its path.
func writeManifest(name, content string) string {
	GinkgoHelper()
	path := filepath.Join(GinkgoT().TempDir(), name+".yaml")
	Expect(os.WriteFile(path, []byte(content), 0o644)).To(Succeed())
	return path
}

// getPod reads a pod through `pod get -o json`.
func getPod(ctx context.Context, ns, name string, extra ...string) *corev1.Pod {
	GinkgoHelper()
	r := mustCLI(ctx, append([]string{"pod", "get", name, "-n", ns, "-o", "json"}, extra...)...)
	pod := &corev1.Pod{}
	Expect(json.Unmarshal([]byte(r.Stdout), pod)).To(Succeed(), "`pod get -o json` printed no pod:\n%s", r.Stdout)
	return pod
}

// row returns the cells of the table line of name in a CLI's table
// output (NAME NODE STATUS RESTARTS AGE), or nil.
func row(table, name string) []string {
	for _, line := range strings.Split(table, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return f
		}
	}
	return nil
}
