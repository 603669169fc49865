package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ownkube/ownkube/components/cluster"
)

var _ = register(func() *cobra.Command {
	var (
		name string
		all  bool
	)
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Remove a cluster: every container, network and volume labelled with it, and its kubeconfig",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if all {
				if cmd.Flags().Changed("name") {
					return fmt.Errorf("--all removes every cluster: give it or --name, not both")
				}
				return cluster.DownAll(cmd.Context(), cmd.OutOrStdout())
			}
			return cluster.Down(cmd.Context(), name, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&name, "name", cluster.DefaultName, "name of the cluster")
	cmd.Flags().BoolVar(&all, "all", false, "remove every ownkube cluster on this Docker engine (whatever carries the cluster label), and nothing else")
	return cmd
})
