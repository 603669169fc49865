package framework

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// KubectlTimeout bounds every Kubectl.Run.
const KubectlTimeout = 30 * time.Second

// Kubectl is Kubernetes' own kubectl, set up for the suite's cluster: the
// stock kubectl on PATH where there is one, else the same code linked into
// the ownkube CLI (`ownkube kubectl`), so the kubectl specs run everywhere.
type Kubectl struct {
	path string
	args []string // before kubectl's own: "kubectl" for the ownkube CLI
	env  []string
}

// NewKubectl finds kubectl: the stock one on PATH, else `ownkube kubectl`,
// and says which. Call it in a spec or a setup node of specs labelled
// "kubectl".
func NewKubectl() *Kubectl {
	GinkgoHelper()
	k := &Kubectl{env: append(os.Environ(),
		"KUBECONFIG="+Cluster().KubeconfigPath,
		// A discovery cache of the spec's own, so no run reads another's.
		"KUBECACHEDIR="+filepath.Join(GinkgoT().TempDir(), "kubecache"),
	)}
	if path, err := exec.LookPath("kubectl"); err == nil {
		k.path = path
		GinkgoWriter.Printf("kubectl: the stock one, %s\n", path)
	} else {
		k.path, k.args = CLI(), []string{"kubectl"}
		GinkgoWriter.Printf("kubectl: none on PATH; `ownkube kubectl`, linked from k8s.io/kubectl (%s kubectl)\n", k.path)
	}
	return k
}

// Command is kubectl args, to run or start as the caller needs; ctx ending
// kills it.
func (k *Kubectl) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, k.path, append(slices.Clone(k.args), args...)...)
	cmd.Env = k.env
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// Run runs kubectl to its end within KubectlTimeout and returns its
// combined output; a failure fails the spec, with the output.
func (k *Kubectl) Run(ctx context.Context, args ...string) string {
	GinkgoHelper()
	return k.RunWithin(ctx, KubectlTimeout, args...)
}

// RunWithin is Run with a bound of its own, for a command that waits (a
// rollout status).
func (k *Kubectl) RunWithin(ctx context.Context, timeout time.Duration, args ...string) string {
	GinkgoHelper()
	out, err := k.TryRunWithin(ctx, timeout, args...)
	Expect(err).NotTo(HaveOccurred(), "kubectl %s:\n%s", strings.Join(args, " "), out)
	return out
}

// TryRun is Run that returns kubectl's failure instead of failing the spec,
// for specs that expect one or poll.
func (k *Kubectl) TryRun(ctx context.Context, args ...string) (string, error) {
	return k.TryRunWithin(ctx, KubectlTimeout, args...)
}

// TryRunWithin is TryRun with a bound of its own.
func (k *Kubectl) TryRunWithin(ctx context.Context, timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := k.Command(ctx, args...).CombinedOutput()
	return string(out), err
}
