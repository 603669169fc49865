package cli

import (
	"github.com/spf13/cobra"

	"github.com/ownkube/ownkube/components/etcd"
)

var _ = register(func() *cobra.Command {
	return &cobra.Command{
		Use:                "etcd [etcd flags]",
		Short:              "Run the real etcd server (go.etcd.io/etcd/server/v3), with etcd's own flags",
		DisableFlagParsing: true,
		Run: func(cmd *cobra.Command, args []string) {
			etcd.Main(args)
		},
	}
})
