package cluster

import (
	"fmt"
	"net/netip"
	"strconv"
	"time"
)

// APIServerConfig tunes the API server; a zero field takes its default.
type APIServerConfig struct {
	// DefaultNotReadyTolerationSeconds and DefaultUnreachableTolerationSeconds
	// are how long pods tolerate a node not-ready or unreachable before they
	// are evicted (--default-*-toleration-seconds; Kubernetes: 300).
	DefaultNotReadyTolerationSeconds, DefaultUnreachableTolerationSeconds int
	// LogRequests has the API server log every request and watch event
	// (--log-requests), for the e2e suite's timeline of a failing spec.
	LogRequests bool
}

func (c APIServerConfig) args() []string {
	var args []string
	if c.DefaultNotReadyTolerationSeconds > 0 {
		args = append(args, "--default-not-ready-toleration-seconds", strconv.Itoa(c.DefaultNotReadyTolerationSeconds))
	}
	if c.DefaultUnreachableTolerationSeconds > 0 {
		args = append(args, "--default-unreachable-toleration-seconds", strconv.Itoa(c.DefaultUnreachableTolerationSeconds))
	}
	if c.LogRequests {
		args = append(args, "--log-requests")
	}
	return args
}

// ControllerManagerConfig tunes the controller-manager; a zero field takes
// its default.
type ControllerManagerConfig struct {
	// NodeMonitorGracePeriod is how long a node may go without renewing its
	// Lease before it is marked Unknown (Kubernetes: 40s);
	// NodeMonitorPeriod how often nodes are looked at (5s).
	NodeMonitorGracePeriod, NodeMonitorPeriod time.Duration
	// NodeEvictionRate is how many nodes a second may have their pods
	// evicted (Kubernetes: 0.1).
	NodeEvictionRate float64
	// LeaderElectLeaseDuration, RenewDeadline and RetryPeriod tune its
	// leader election (Kubernetes: 15s, 10s, 2s).
	LeaderElectLeaseDuration, LeaderElectRenewDeadline, LeaderElectRetryPeriod time.Duration
}

func (c ControllerManagerConfig) args() []string {
	var args []string
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{
		{"--node-monitor-grace-period", c.NodeMonitorGracePeriod},
		{"--node-monitor-period", c.NodeMonitorPeriod},
		{"--leader-elect-lease-duration", c.LeaderElectLeaseDuration},
		{"--leader-elect-renew-deadline", c.LeaderElectRenewDeadline},
		{"--leader-elect-retry-period", c.LeaderElectRetryPeriod},
	} {
		if d.v > 0 {
			args = append(args, d.flag, d.v.String())
		}
	}
	if c.NodeEvictionRate > 0 {
		args = append(args, "--node-eviction-rate", strconv.FormatFloat(c.NodeEvictionRate, 'g', -1, 64))
	}
	return args
}

// Component names: each runs as container <cluster>-<name> with network
// alias <name> and label ownkube.io/component=<name>.
const (
	Etcd              = "etcd"
	APIServer         = "apiserver"
	Scheduler         = "scheduler"
	ControllerManager = "controller-manager"
	DNS               = "dns"
)

// component is one control-plane container: the ownkube subcommand it runs,
// the port it serves (published on 127.0.0.1) and the HTTP path that answers
// 200 once it is ready. Later stages add rows (scheduler, controller-manager).
type component struct {
	Name  string
	Port  int    // served inside the container on all interfaces
	Ready string // GET path answering 200 when ready
	// TLS marks a component serving HTTPS with a certificate of the
	// cluster's CA (the API server): it is awaited and published so.
	TLS bool
	// DataDir, if set, is where the component keeps state: a volume owned
	// by the cluster, or a tmpfs with Config.EtcdEphemeral.
	DataDir string
	Args    func(cfg Config, plan addressPlan) []string
	// FixedIP, if set, is the component's address on the cluster network,
	// outside Docker's dynamic range (the cluster DNS's, which pods are
	// given as their nameserver).
	FixedIP func(plan addressPlan) netip.Addr
}

var controlPlane = []component{
	{
		Name:  Etcd,
		Port:  2379,
		Ready: "/readyz",
		// On a volume, so a restart of etcd's container loses nothing.
		DataDir: "/var/lib/etcd",
		Args: func(Config, addressPlan) []string {
			return []string{
				"etcd",
				"--name", "etcd",
				"--data-dir", "/var/lib/etcd",
				"--listen-client-urls", "http://0.0.0.0:2379",
				"--advertise-client-urls", "http://etcd:2379",
				"--listen-peer-urls", "http://127.0.0.1:2380",
				"--initial-advertise-peer-urls", "http://127.0.0.1:2380",
				"--initial-cluster", "etcd=http://127.0.0.1:2380",
				"--watch-progress-notify-interval", "5s",
				// Above the API server's 3 MiB body limit, as in Kubernetes
				// clusters, so any object it accepts can be stored.
				"--max-request-bytes", "4194304",
				// Profiles for `ownkube debug profile etcd`, on the client port.
				"--enable-pprof",
			}
		},
	},
	{
		Name:  APIServer,
		Port:  6443,
		Ready: "/readyz",
		TLS:   true,
		Args: func(cfg Config, plan addressPlan) []string {
			args := append([]string{
				"apiserver",
				"--etcd-servers", "http://etcd:2379",
				"--bind-address", "0.0.0.0",
				"--port", "6443",
				"--service-cluster-ip-range", plan.ServiceCIDR.String(),
				"--etcd-compaction-interval", cfg.EtcdCompactionInterval.String(),
				// Six of etcd's progress intervals (5 s): a stream quiet
				// that long is broken, and its client should watch again.
				"--watch-silence-timeout", "30s",
				// On, as in Kubernetes' components, for `ownkube debug profile`.
				"--profiling",
			}, apiServerFlags()...)
			return append(args, cfg.APIServer.args()...)
		},
	},
	{
		Name:  Scheduler,
		Port:  10259,
		Ready: "/healthz",
		Args: func(Config, addressPlan) []string {
			return []string{"scheduler", "--kubeconfig", containerKubeconfig, "--bind-address", "0.0.0.0", "--port", "10259", "--profiling"}
		},
	},
	{
		Name:  ControllerManager,
		Port:  10257,
		Ready: "/healthz",
		Args: func(cfg Config, _ addressPlan) []string {
			return append([]string{"controller-manager", "--kubeconfig", containerKubeconfig, "--bind-address", "0.0.0.0", "--port", "10257", "--profiling"},
				cfg.ControllerManager.args()...)
		},
	},
	{
		// The cluster DNS (CoreDNS's role), at the tenth Service address;
		// other names go on to Docker's resolver, its resolv.conf's.
		Name:    DNS,
		Port:    8080,
		Ready:   "/readyz",
		FixedIP: func(plan addressPlan) netip.Addr { return plan.DNS },
		Args: func(Config, addressPlan) []string {
			return []string{"dns", "--kubeconfig", containerKubeconfig, "--domain", ClusterDomain,
				"--bind-address", "0.0.0.0", "--health-port", "8080", "--profiling"}
		},
	},
}

// ClusterDomain is the DNS domain of the cluster's Services.
const ClusterDomain = "cluster.local"

func lookupComponent(name string) (component, error) {
	for _, c := range controlPlane {
		if c.Name == name {
			return c, nil
		}
	}
	return component{}, fmt.Errorf("cluster: unknown component %q", name)
}

// containerName is the Docker name of component in cluster.
func containerName(cluster, component string) string { return cluster + "-" + component }

// networkName is the Docker network of cluster.
func networkName(cluster string) string { return "ownkube-" + cluster }

// hostPort is the host port to publish component on: the one Up fixed for
// it, or else empty, which lets Docker pick a free one (the replicas of
// the scheduler and controller-manager, which nothing outside dials).
func (c component) hostPort(cfg Config) string {
	if p := cfg.fixedPorts[c.Name]; p != 0 {
		return strconv.Itoa(p)
	}
	if c.Name == APIServer && cfg.APIServerPort != 0 {
		return strconv.Itoa(cfg.APIServerPort)
	}
	return ""
}
