package smoke

import (
	"bytes"
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
		kubectl := func(args ...string) (string, error) {
			cmd := exec.CommandContext(ctx, framework.CLI(), append([]string{"kubectl"}, args...)...)
			cmd.Env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "KUBECACHEDIR=" + filepath.Join(home, "kubecache")}
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			GinkgoWriter.Printf("$ ownkube kubectl %s\n%s", strings.Join(args, " "), out.String())
			return out.String(), err
		}

		By("reading the default cluster's kubeconfig")
		out, err := kubectl("get", "namespace", "default", "-o", "jsonpath={.metadata.name}")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(Equal("default"))

		By("discovering the API as kubectl does")
		out, err = kubectl("api-resources", "--api-group=apps", "-o", "name")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(strings.Fields(out)).To(ContainElements("deployments.apps", "replicasets.apps"))

		By("failing as kubectl fails, with its words and exit code")
		out, err = kubectl("get", "nosuchkinds")
		var exit *exec.ExitError
		Expect(err).To(BeAssignableToTypeOf(exit), out)
		Expect(out).To(ContainSubstring(`the server doesn't have a resource type "nosuchkinds"`))

		By("taking --kubeconfig over the default")
		out, err = kubectl("--kubeconfig", filepath.Join(home, "missing"), "get", "pods")
		Expect(err).To(HaveOccurred(), "a kubeconfig that does not exist: %s", out)
	}, SpecTimeout(time.Minute))
})
