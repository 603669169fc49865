package smoke

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/e2e/framework"
)

// `ownkube kubectl` is Kubernetes' own kubectl linked into the CLI: given
// code only. It runs here with no $KUBECONFIG and a home of its own that
// holds only the default cluster's kubeconfig, so what it reaches proves
// where it looked.
var _ = Describe("ownkube kubectl", Label("smoke", "given", "stage3"), func() {
	It("should be the whole of kubectl, on the default cluster's kubeconfig when none is given", func(ctx SpecContext) {
		home := GinkgoT().TempDir()
		defaultKubeconfig := filepath.Join(home, ".ownkube", cluster.DefaultName, "kubeconfig")
		config, err := os.ReadFile(framework.Cluster().KubeconfigPath)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.MkdirAll(filepath.Dir(defaultKubeconfig), 0o700)).To(Succeed())
		Expect(os.WriteFile(defaultKubeconfig, config, 0o600)).To(Succeed())
		// kubectl returns what kubectl wrote to stdout, and to stderr (its
		// errors, and warnings such as a version skew) apart.
		kubectl := func(args ...string) (string, string, error) {
			cmd := exec.CommandContext(ctx, framework.CLI(), append([]string{"kubectl"}, args...)...)
			cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "KUBECACHEDIR=" + filepath.Join(home, "kubecache")}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			GinkgoWriter.Printf("$ ownkube kubectl %s\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
			return stdout.String(), stderr.String(), err
		}

		// Only what the given API server answers without the store, so the
		// spec is given code's alone: /version and discovery.
		By("reaching the default cluster's API server through its kubeconfig")
		out, stderr, err := kubectl("version", "-o", "json")
		Expect(err).NotTo(HaveOccurred(), stderr)
		var version struct {
			ServerVersion struct{ GitVersion string } `json:"serverVersion"`
		}
		Expect(json.Unmarshal([]byte(out), &version)).To(Succeed(), out)
		Expect(version.ServerVersion.GitVersion).To(HaveSuffix("-ownkube"), "the kit's API server answers")

		By("discovering the API as kubectl does")
		out, stderr, err = kubectl("api-resources", "--api-group=apps", "-o", "name")
		Expect(err).NotTo(HaveOccurred(), stderr)
		Expect(strings.Fields(out)).To(ContainElements("deployments.apps", "replicasets.apps"))

		By("failing as kubectl fails, with its words and exit code")
		_, stderr, err = kubectl("get", "nosuchkinds")
		var exit *exec.ExitError
		Expect(err).To(BeAssignableToTypeOf(exit), stderr)
		Expect(stderr).To(ContainSubstring(`the server doesn't have a resource type "nosuchkinds"`))

		By("taking --kubeconfig over the default")
		_, stderr, err = kubectl("--kubeconfig", filepath.Join(home, "missing"), "version")
		Expect(err).To(HaveOccurred(), "a kubeconfig that does not exist: %s", stderr)
	}, SpecTimeout(time.Minute))
})
