package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/kubeconfig"
	"github.com/ownkube/ownkube/components/kubectl"
	"github.com/ownkube/ownkube/components/proxy"
)

var _ = register(func() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show a cluster's components, nodes (each with its service proxy) and Service forwarders, with their readiness",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cluster.Get(cmd.Context(), name)
			if errors.Is(err, cluster.ErrNotFound) {
				return fmt.Errorf("no cluster named %q: bring one up with `ownkube up --name %s`", name, name)
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Cluster %q on network %s (%s); API at %s\n", c.Name, c.Network, c.Subnet, c.APIServerURL)
			if c.DNS != "" {
				fmt.Fprintf(out, "Cluster DNS at %s (Services %s)\n", c.DNS, c.ServiceCIDR)
			}
			fmt.Fprintln(out)
			containers, err := cluster.Containers(cmd.Context(), name)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
			fmt.Fprintln(tw, "COMPONENT\tCONTAINER\tSTATE")
			for _, ctr := range containers {
				comp := ctr.Component
				if comp == cluster.Node {
					comp = "node (kubelet, proxy)" // the kubelet runs the node's service proxy
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", comp, ctr.Name, ctr.Status)
			}
			tw.Flush()
			fmt.Fprintln(out)
			path, err := kubeconfig.Path(name)
			if err != nil {
				return err
			}
			printProxyLeader(cmd.Context(), out, path)
			client, err := kubectl.New(kubectl.Config{Kubeconfig: path, Out: out, ErrOut: cmd.ErrOrStderr()})
			if err != nil {
				return err
			}
			return client.Get(cmd.Context(), []string{"nodes"}, kubectl.GetOptions{})
		},
	}
	cmd.Flags().StringVar(&name, "name", cluster.DefaultName, "name of the cluster")
	return cmd
})

// printProxyLeader says which node's proxy keeps the Service forwarders:
// the holder of the Lease kube-system/ownkube-proxy.
func printProxyLeader(ctx context.Context, out io.Writer, kubeconfigPath string) {
	cfg, err := kubeconfig.RESTConfig(kubeconfigPath)
	if err != nil {
		return // the node listing below reports an unreachable API
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return
	}
	lease, err := client.CoordinationV1().Leases(metav1.NamespaceSystem).Get(ctx, proxy.LeaseName, metav1.GetOptions{})
	switch {
	case err != nil:
		fmt.Fprintf(out, "Service proxies: in every node; no leader keeps the forwarders yet (%v)\n\n", err)
	case lease.Spec.HolderIdentity != nil:
		fmt.Fprintf(out, "Service proxies: in every node; forwarders kept by the proxy of %s (Lease kube-system/%s)\n\n", *lease.Spec.HolderIdentity, proxy.LeaseName)
	}
}
