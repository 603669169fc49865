package cli

import (
	"github.com/spf13/cobra"

	"github.com/ownkube/ownkube/components/cluster"
)

var _ = register(func() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Remove a cluster: every container and network labelled with it, and its kubeconfig",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cluster.Down(cmd.Context(), name, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&name, "name", cluster.DefaultName, "name of the cluster")
	return cmd
})
