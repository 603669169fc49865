package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/ownkube/ownkube/components/leader"
	"github.com/ownkube/ownkube/components/scheduler"
)

var _ = register(func() *cobra.Command {
	var (
		kubeconfig, master, schedulerName, bindAddress string
		port                                           int
		verbose, profiling                             bool
		election                                       leaderFlags
	)
	cmd := &cobra.Command{
		Use:   "scheduler (--kubeconfig PATH | --master URL)",
		Short: "Run the scheduler: bind every pod without a node to one that fits",
		RunE: func(cmd *cobra.Command, args []string) error {
			if kubeconfig == "" && master == "" {
				return fmt.Errorf("scheduler: give --kubeconfig or --master")
			}
			cfg, err := clientcmd.BuildConfigFromFlags(master, kubeconfig)
			if err != nil {
				return fmt.Errorf("scheduler: load client config: %w", err)
			}
			// No client-side rate limit: a burst of pods means a burst of
			// bindings, and the scheduler bounds those it has in flight.
			cfg.QPS, cfg.Burst = -1, 0
			cfg.UserAgent = userAgent("scheduler", "")
			client, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				return fmt.Errorf("scheduler: %w", err)
			}
			level := slog.LevelInfo
			if verbose {
				level = slog.LevelDebug
			}
			health := ""
			if port > 0 {
				health = fmt.Sprintf("%s:%d", bindAddress, port)
			}
			log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			// A Scheduler runs once: each term as leader builds a new one,
			// with fresh informers.
			run := func(ctx context.Context) error {
				s, err := scheduler.New(scheduler.Config{
					Client:        client,
					SchedulerName: schedulerName,
					Logger:        log,
					HealthAddress: health,
					Profiling:     profiling,
				})
				if err != nil {
					return err
				}
				return s.Run(ctx)
			}
			le := election.config()
			if le == nil {
				return run(cmd.Context())
			}
			le.Client, le.Name, le.Logger = client, "kube-scheduler", log
			return leader.Run(cmd.Context(), *le, run)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig of the cluster to schedule for")
	f.StringVar(&master, "master", "", "URL of the API server (overrides the kubeconfig's); alone, for one without TLS, e.g. http://apiserver:6443")
	f.StringVar(&schedulerName, "scheduler-name", "default-scheduler", "place the pods whose spec.schedulerName is this")
	f.StringVar(&bindAddress, "bind-address", "127.0.0.1", "address to serve /healthz and /readyz on (0.0.0.0 inside a container)")
	f.IntVar(&port, "port", 10259, "port to serve /healthz and /readyz on; 0 not at all")
	f.BoolVar(&verbose, "verbose", false, "log every decision and binding (debug level)")
	f.BoolVar(&profiling, "profiling", false, "serve Go's pprof profiles at /debug/pprof/ on the health port, for `ownkube debug profile`")
	election.register(cmd)
	return cmd
})
