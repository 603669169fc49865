package cli

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/kubeconfig"
	"github.com/ownkube/ownkube/components/kubectl"
)

// clientFlags are the flags of the commands that talk to a cluster's API
// server as kubectl does: get, apply, delete.
type clientFlags struct {
	kubeconfig string
	cluster    string
	namespace  string
}

func addClientFlags(cmd *cobra.Command) *clientFlags {
	cf := &clientFlags{}
	f := cmd.Flags()
	f.StringVar(&cf.kubeconfig, "kubeconfig", "",
		"kubeconfig to use (default: $KUBECONFIG if set, else ~/.ownkube/<name>/kubeconfig, written by `ownkube up`)")
	f.StringVar(&cf.cluster, "name", cluster.DefaultName, "cluster whose kubeconfig to use when neither --kubeconfig nor $KUBECONFIG is given")
	f.StringVarP(&cf.namespace, "namespace", "n", "", "namespace to act in (default: the context's, else default)")
	return cf
}

// client loads the kubeconfig: --kubeconfig, else --name if given, else
// $KUBECONFIG, else the default cluster's.
func (cf *clientFlags) client(cmd *cobra.Command) (*kubectl.Client, error) {
	path := cf.kubeconfig
	if path == "" && !cmd.Flags().Changed("name") {
		path = os.Getenv("KUBECONFIG")
	}
	if path == "" {
		var err error
		if path, err = kubeconfig.Path(cf.cluster); err != nil {
			return nil, err
		}
	}
	return kubectl.New(kubectl.Config{
		Kubeconfig: path,
		Namespace:  cf.namespace,
		Out:        cmd.OutOrStdout(),
		ErrOut:     cmd.ErrOrStderr(),
	})
}
