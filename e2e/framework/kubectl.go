package framework

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// KubectlTimeout bounds every Kubectl.Run.
const KubectlTimeout = 30 * time.Second

// OptionalKubectlEnv names the variable that lets a missing kubectl skip
// the kubectl specs instead of failing them. Only a learner's run sets it
// (make ... IMPL=exercises), where they are then reported as skipped, never
// as passed; any other run, the kit's CI above all, fails them, so it can
// never go green with the kubectl specs unrun.
const OptionalKubectlEnv = "OWNKUBE_E2E_KUBECTL_OPTIONAL"

// Kubectl is the stock kubectl, set up for the suite's cluster.
type Kubectl struct {
	path string
	env  []string
}

// NewKubectl finds kubectl on PATH. Without one the spec fails, saying to
// install it, unless OptionalKubectlEnv is set. Call it in a spec or a setup
// node of specs labelled "kubectl".
func NewKubectl() *Kubectl {
	GinkgoHelper()
	path, err := exec.LookPath("kubectl")
	if err != nil {
		msg := "kubectl is not on PATH: this spec needs the stock kubectl (install it, e.g. with your package manager)"
		if os.Getenv(OptionalKubectlEnv) == "" {
			Fail(msg + "; set " + OptionalKubectlEnv + "=1 to report the kubectl specs as skipped instead")
		}
		Skip(msg)
	}
	return &Kubectl{path: path, env: append(os.Environ(),
		"KUBECONFIG="+Cluster().KubeconfigPath,
		// A discovery cache of the spec's own, so no run reads another's.
		"KUBECACHEDIR="+filepath.Join(GinkgoT().TempDir(), "kubecache"),
	)}
}

// Command is kubectl args, to run or start as the caller needs; ctx ending
// kills it.
func (k *Kubectl) Command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, k.path, args...)
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
