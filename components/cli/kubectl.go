package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	componentcli "k8s.io/component-base/cli"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/plugin"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/kubeconfig"
)

// `ownkube kubectl` is the Kubernetes project's own kubectl, linked from
// k8s.io/kubectl as k3s links it into `k3s kubectl`, so a machine without
// kubectl has the whole of it at the version of the kit's client-go.
var _ = register(func() *cobra.Command {
	return &cobra.Command{
		Use:   "kubectl [kubectl's arguments]",
		Short: "Run Kubernetes' own kubectl, on the default cluster's kubeconfig unless told otherwise",
		Long: "Run Kubernetes' own kubectl (k8s.io/kubectl, linked in). Every argument is kubectl's: " +
			"`ownkube kubectl get pods -A`. Without --kubeconfig or $KUBECONFIG it uses the kubeconfig " +
			"`ownkube up` wrote for the default cluster (~/.ownkube/" + cluster.DefaultName + "/kubeconfig).",
		DisableFlagParsing: true, // every flag, --help included, is kubectl's
		RunE: func(_ *cobra.Command, args []string) error {
			if os.Getenv("KUBECONFIG") == "" && !hasKubeconfigFlag(args) {
				if err := useDefaultKubeconfig(); err != nil {
					return err
				}
			}
			runKubectl(args)
			return nil
		},
	}
})

// useDefaultKubeconfig points kubectl at the default cluster's kubeconfig,
// or says there is none: kubectl's own fallback, localhost:8080, is never
// the kit's cluster.
func useDefaultKubeconfig() error {
	path, err := kubeconfig.Path(cluster.DefaultName)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(os.Stderr, "ownkube kubectl: no $KUBECONFIG, and no kubeconfig of the default cluster at %s: "+
			"bring one up with `ownkube up` (or `make up`), or give --kubeconfig\n", path)
		return nil // kubectl --help and version --client need none
	}
	return os.Setenv("KUBECONFIG", path)
}

// runKubectl runs kubectl as k8s.io/kubernetes/cmd/kubectl does; kubectl
// exits the process itself on an error, with its own words and code.
func runKubectl(args []string) {
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	kubectl := kubectlcmd.NewDefaultKubectlCommandWithArgs(kubectlcmd.KubectlOptions{
		PluginHandler: kubectlcmd.NewDefaultPluginHandler(plugin.ValidPluginFilenamePrefixes),
		Arguments:     append([]string{"kubectl"}, args...),
		// kubectl's own defaults (its defaultConfigFlags is unexported).
		ConfigFlags: genericclioptions.NewConfigFlags(true).WithDeprecatedPasswordFlag().
			WithDiscoveryBurst(300).WithDiscoveryQPS(50.0).WithWarningPrinter(streams),
		IOStreams: streams,
	})
	kubectl.SetArgs(args)
	if err := componentcli.RunNoErrOutput(kubectl); err != nil {
		kubectlutil.CheckErr(err)
	}
}

// hasKubeconfigFlag reports whether kubectl's arguments name a kubeconfig.
func hasKubeconfigFlag(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false // what follows is a command's, as in kubectl exec
		}
		if a == "--kubeconfig" || strings.HasPrefix(a, "--kubeconfig=") {
			return true
		}
	}
	return false
}
