package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/coupled"
	"github.com/ownkube/ownkube/components/images"
)

// EtcdEnv names the variable that gives --etcd its default.
const EtcdEnv = "OWNKUBE_ETCD"

// coupledFlags are the flags every `ownkube node` and `ownkube pod`
// command shares: the kit's coupled stages, with no API server.
type coupledFlags struct {
	cfg coupled.Config
}

func addCoupledFlags(cmd *cobra.Command) *coupledFlags {
	cf := &coupledFlags{}
	f := cmd.PersistentFlags()
	f.StringVar(&cf.cfg.Cluster, "cluster", cluster.DefaultName, "the cluster whose nodes to drive (its containers carry ownkube.io/cluster=<name>)")
	f.StringVar(&cf.cfg.Etcd, "etcd", os.Getenv(EtcdEnv),
		"etcd URL keeping the nodes and pods (stage 2), e.g. http://127.0.0.1:2379; default $"+EtcdEnv+"; none: the nodes are the only record (stage 1)")
	return cf
}

// open makes the CLI of one command run.
func (cf *coupledFlags) open(cmd *cobra.Command) (*coupled.CLI, error) {
	cfg := cf.cfg
	cfg.Out, cfg.ErrOut = cmd.OutOrStdout(), cmd.ErrOrStderr()
	return coupled.New(cmd.Context(), cfg)
}

// run opens the CLI, calls fn and closes it.
func (cf *coupledFlags) run(cmd *cobra.Command, fn func(c *coupled.CLI) error) error {
	c, err := cf.open(cmd)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c)
}

var _ = register(func() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Create, list and delete push nodes: node containers that run the pods pushed to them (stages 1-2, no API server)",
	}
	cf := addCoupledFlags(cmd)
	create := &cobra.Command{
		Use:   "create NAME",
		Short: "Start a node container whose kubelet runs the pods pushed to it",
		Example: `  ownkube node create n1
  ownkube node create n1 --etcd http://127.0.0.1:2379`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cf.cfg.Image == "" {
				image, err := images.Tag("ownkube", coupled.Impl)
				if err != nil {
					return err
				}
				cf.cfg.Image = image
			}
			return cf.run(cmd, func(c *coupled.CLI) error { return c.NodeCreate(cmd.Context(), args[0]) })
		},
	}
	create.Flags().StringVar(&cf.cfg.Image, "image", os.Getenv(cluster.NodeImageEnv),
		"the ownkube image the node runs (default $"+cluster.NodeImageEnv+", else ownkube:"+coupled.Impl+" with $"+images.TagSuffixEnv+"; build it with `ownkube images`)")
	create.Flags().DurationVar(&cf.cfg.BackoffBase, "backoff-base", 0, "wait before a crashed container's first restart (default the kubelet's, 10s)")
	create.Flags().DurationVar(&cf.cfg.BackoffCap, "backoff-cap", 0, "longest wait between restarts (default the kubelet's, 5m)")
	list := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the nodes",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cf.run(cmd, func(c *coupled.CLI) error { return c.NodeList(cmd.Context()) })
		},
	}
	del := &cobra.Command{
		Use:   "delete NAME",
		Short: "Remove a node's container and its pods' containers",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.run(cmd, func(c *coupled.CLI) error { return c.NodeDelete(cmd.Context(), args[0]) })
		},
	}
	cmd.AddCommand(create, list, del)
	return cmd
})

var _ = register(func() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pod",
		Short: "Push pods to nodes and ask the nodes what runs (stages 1-2, no API server)",
	}
	cf := addCoupledFlags(cmd)
	cmd.PersistentFlags().StringVarP(&cf.cfg.Namespace, "namespace", "n", "default", "namespace of the pods")
	var file, node string
	create := &cobra.Command{
		Use:     "create -f FILE --node NAME",
		Short:   "Push the pod of a manifest to a node; answers once its containers started (or failed)",
		Example: "  ownkube pod create -f web.yaml --node n1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pod, err := readPodFile(cmd, file, cf.cfg.Namespace, cmd.Flags().Changed("namespace"))
			if err != nil {
				return err
			}
			return cf.run(cmd, func(c *coupled.CLI) error { return c.PodCreate(cmd.Context(), pod, node) })
		},
	}
	create.Flags().StringVarP(&file, "filename", "f", "", "the pod's manifest, YAML or JSON (- for stdin)")
	create.Flags().StringVar(&node, "node", "", "the node to run it on")
	_ = create.MarkFlagRequired("filename")
	_ = create.MarkFlagRequired("node")
	list := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the pods of the namespace (stage 1: asks every node; stage 2: reads etcd)",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cf.run(cmd, func(c *coupled.CLI) error { return c.PodList(cmd.Context()) })
		},
	}
	var output string
	get := &cobra.Command{
		Use:   "get NAME",
		Short: "Show one pod",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.run(cmd, func(c *coupled.CLI) error { return c.PodGet(cmd.Context(), args[0], output) })
		},
	}
	get.Flags().StringVarP(&output, "output", "o", "", "yaml or json: the whole pod, status included")
	var grace int64
	del := &cobra.Command{
		Use:   "delete NAME",
		Short: "Tear a pod down on its node; answers once it is gone",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var g *int64
			if cmd.Flags().Changed("grace-period") {
				g = &grace
			}
			return cf.run(cmd, func(c *coupled.CLI) error { return c.PodDelete(cmd.Context(), args[0], g) })
		},
	}
	del.Flags().Int64Var(&grace, "grace-period", 0, "seconds the containers get to stop (default the pod's terminationGracePeriodSeconds)")
	var container string
	var follow bool
	logs := &cobra.Command{
		Use:   "logs NAME",
		Short: "Print the log of a pod's container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.run(cmd, func(c *coupled.CLI) error { return c.PodLogs(cmd.Context(), args[0], container, follow) })
		},
	}
	logs.Flags().StringVarP(&container, "container", "c", "", "the container (default the pod's first)")
	logs.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing as the container logs")
	var overwrite bool
	label := &cobra.Command{
		Use:     "label NAME KEY=VALUE... | KEY-...",
		Short:   "Set or remove labels of a pod (stage 2: compare-and-swap in etcd, retried on conflict)",
		Example: "  ownkube pod label web tier=front\n  ownkube pod label web tier-",
		Args:    cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cf.run(cmd, func(c *coupled.CLI) error { return c.PodLabel(cmd.Context(), args[0], args[1:], overwrite) })
		},
	}
	label.Flags().BoolVar(&overwrite, "overwrite", false, "change a label that has another value already")
	cmd.AddCommand(create, list, get, del, logs, label)
	return cmd
})

// readPodFile reads and checks the pod of a manifest file (- : stdin).
func readPodFile(cmd *cobra.Command, file, namespace string, namespaceGiven bool) (*corev1.Pod, error) {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(cmd.InOrStdin())
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, fmt.Errorf("read the pod's manifest: %w", err)
	}
	return coupled.ReadPod(data, file, namespace, namespaceGiven)
}
