package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/ownkube/ownkube/components/controllers"
	"github.com/ownkube/ownkube/components/controllers/controller"
	"github.com/ownkube/ownkube/components/leader"
)

var _ = register(func() *cobra.Command {
	var (
		kubeconfig, master, bindAddress string
		port                            int
		names                           []string
		opts                            controller.Options
		election                        leaderFlags
		verbose, profiling              bool
	)
	cmd := &cobra.Command{
		Use:   "controller-manager (--kubeconfig PATH | --master URL)",
		Short: "Run the controllers that keep the cluster's desired state: ReplicaSets, Deployments, nodes, endpoints, …",
		RunE: func(cmd *cobra.Command, args []string) error {
			if kubeconfig == "" && master == "" {
				return fmt.Errorf("controller-manager: give --kubeconfig or --master")
			}
			cfg, err := clientcmd.BuildConfigFromFlags(master, kubeconfig)
			if err != nil {
				return fmt.Errorf("controller-manager: load client config: %w", err)
			}
			// Controllers write in bursts (a ReplicaSet scaled to 100); the
			// ReplicaSet's slow start bounds them, not a client-side limit.
			cfg.QPS, cfg.Burst = 100, 200
			cfg.UserAgent = userAgent("controller-manager", "")
			client, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				return fmt.Errorf("controller-manager: %w", err)
			}
			dyn, err := dynamic.NewForConfig(cfg)
			if err != nil {
				return fmt.Errorf("controller-manager: %w", err)
			}
			mcfg := controllers.Config{
				Client:         client,
				Dynamic:        dyn,
				Controllers:    names,
				Options:        opts,
				Logger:         logger(verbose),
				LeaderElection: election.config(),
			}
			if port > 0 {
				mcfg.HealthAddress = fmt.Sprintf("%s:%d", bindAddress, port)
				mcfg.Profiling = profiling
			}
			m, err := controllers.New(mcfg)
			if err != nil {
				return err
			}
			return m.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig of the cluster to manage")
	f.StringVar(&master, "master", "", "URL of the API server (overrides the kubeconfig's); alone, for one without TLS, e.g. http://apiserver:6443")
	f.StringSliceVar(&names, "controllers", nil, fmt.Sprintf("controllers to run (default all: %v)", controllers.Names()))
	f.StringVar(&bindAddress, "bind-address", "127.0.0.1", "address to serve /healthz and /readyz on (0.0.0.0 inside a container)")
	f.IntVar(&port, "port", 10257, "port to serve /healthz and /readyz on; 0 not at all")
	f.IntVar(&opts.Workers, "concurrent-syncs", 5, "keys each controller syncs at once")
	f.IntVar(&opts.BurstReplicas, "burst-replicas", 500, "pods a ReplicaSet creates or deletes in one sync, at most")
	f.DurationVar(&opts.NodeMonitorGracePeriod, "node-monitor-grace-period", 40*time.Second, "how long a node may go without renewing its Lease before it is marked Unknown")
	f.DurationVar(&opts.NodeMonitorPeriod, "node-monitor-period", 5*time.Second, "how often the nodes' health is checked")
	f.Float64Var(&opts.NodeEvictionRate, "node-eviction-rate", 0.1, "nodes per second whose pods may start being evicted while few nodes are down")
	f.Float64Var(&opts.SecondaryNodeEvictionRate, "secondary-node-eviction-rate", 0.01, "that rate once the zone is partially disrupted (a large cluster only)")
	f.Float64Var(&opts.UnhealthyZoneThreshold, "unhealthy-zone-threshold", 0.55, "fraction of nodes not Ready (of more than 2) at which the zone is partially disrupted; with none Ready nothing is evicted")
	f.IntVar(&opts.LargeClusterSizeThreshold, "large-cluster-size-threshold", 50, "a partially disrupted cluster of at most this many nodes evicts nothing")
	election.register(cmd)
	f.BoolVar(&verbose, "verbose", false, "log every sync (debug level)")
	f.BoolVar(&profiling, "profiling", false, "serve Go's pprof profiles at /debug/pprof/ on the health port, for `ownkube debug profile`")
	return cmd
})

// leaderFlags are the leader-election flags the scheduler and the
// controller-manager share, named as Kubernetes names them.
type leaderFlags struct {
	elect                                     bool
	leaseDuration, renewDeadline, retryPeriod time.Duration
}

func (l *leaderFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&l.elect, "leader-elect", true, "run only while holding the component's Lease in kube-system, so that replicas take over from each other")
	f.DurationVar(&l.leaseDuration, "leader-elect-lease-duration", 15*time.Second, "how long a standby waits after the last renewal before taking the Lease")
	f.DurationVar(&l.renewDeadline, "leader-elect-renew-deadline", 10*time.Second, "how long the leader keeps trying to renew before it gives up leading")
	f.DurationVar(&l.retryPeriod, "leader-elect-retry-period", 2*time.Second, "how often to try to take or renew the Lease")
}

// config is the leader election to run, or nil if it is off.
func (l *leaderFlags) config() *leader.Config {
	if !l.elect {
		return nil
	}
	return &leader.Config{LeaseDuration: l.leaseDuration, RenewDeadline: l.renewDeadline, RetryPeriod: l.retryPeriod}
}
