package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/images"
)

var _ = register(func() *cobra.Command {
	var cfg cluster.Config
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Bring up a cluster (etcd, apiserver, scheduler, nodes) as Docker containers",
		Long: "Bring up a cluster as Docker containers of the given image, on a Docker network of its own, " +
			"and write its kubeconfig to ~/.ownkube/<name>/kubeconfig. Build the image first with `ownkube images`.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Progress = cmd.OutOrStdout()
			// The forwarder `ownkube images` built beside the image, which
			// carries $OWNKUBE_IMAGE_TAG_SUFFIX as the ownkube image does.
			forwarder, err := images.Tag("forwarder", "")
			if err != nil {
				return err
			}
			cfg.Node.ForwarderImage = forwarder
			c, err := cluster.Up(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if c.KubeconfigPath != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "Set kubectl context with:\nexport KUBECONFIG=%s\n", c.KubeconfigPath)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Name, "name", cluster.DefaultName, "name of the cluster")
	f.StringVar(&cfg.Image, "image", cluster.DefaultImage, "local image the components run (built by `ownkube images`)")
	f.IntVar(&cfg.APIServerPort, "port", 0, "port on 127.0.0.1 for the API server (0: a free port, picked once and kept across restarts)")
	f.BoolVar(&cfg.EtcdEphemeral, "etcd-ephemeral", false, "keep etcd's data on a tmpfs, lost when its container stops, instead of a volume the cluster owns")
	f.DurationVar(&cfg.EtcdCompactionInterval, "etcd-compaction-interval", cluster.DefaultEtcdCompactionInterval,
		"how often the API server compacts etcd's history")
	f.IntVar(&cfg.Nodes, "nodes", 2, "how many nodes (kubelet containers) to start")
	f.StringVar(&cfg.Node.CPU, "node-cpu", "2", "cpu each node offers to pods")
	f.StringVar(&cfg.Node.Memory, "node-memory", "4Gi", "memory each node offers to pods")
	return cmd
})
