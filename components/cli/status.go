package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/kubeconfig"
	"github.com/ownkube/ownkube/components/kubectl"
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
