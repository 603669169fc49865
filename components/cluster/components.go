package cluster

import (
	"fmt"
	"net/netip"
	"strconv"
)

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
	Port  int               // served inside the container on all interfaces
	Ready string            // GET path answering 200 when ready
	Tmpfs map[string]string // mount point → options
	Args  func(cfg Config, plan addressPlan) []string
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
		// etcd's data lives as long as its container: a cluster is disposable.
		Tmpfs: map[string]string{"/var/lib/etcd": "rw"},
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
			}
		},
	},
	{
		Name:  APIServer,
		Port:  6443,
		Ready: "/readyz",
		Args: func(cfg Config, plan addressPlan) []string {
			return []string{
				"apiserver",
				"--etcd-servers", "http://etcd:2379",
				"--bind-address", "0.0.0.0",
				"--port", "6443",
				"--service-cluster-ip-range", plan.ServiceCIDR.String(),
				"--etcd-compaction-interval", cfg.EtcdCompactionInterval.String(),
			}
		},
	},
	{
		Name:  Scheduler,
		Port:  10259,
		Ready: "/healthz",
		Args: func(Config, addressPlan) []string {
			return []string{"scheduler", "--master", "http://apiserver:6443", "--bind-address", "0.0.0.0", "--port", "10259"}
		},
	},
	{
		Name:  ControllerManager,
		Port:  10257,
		Ready: "/healthz",
		Args: func(Config, addressPlan) []string {
			return []string{"controller-manager", "--master", "http://apiserver:6443", "--bind-address", "0.0.0.0", "--port", "10257"}
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
			return []string{"dns", "--master", "http://apiserver:6443", "--domain", ClusterDomain,
				"--bind-address", "0.0.0.0", "--health-port", "8080"}
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

// hostPort is the host port to publish component on: the fixed API server
// port if one was asked for, otherwise empty, which lets Docker pick a free one.
func (c component) hostPort(cfg Config) string {
	if c.Name == APIServer && cfg.APIServerPort != 0 {
		return strconv.Itoa(cfg.APIServerPort)
	}
	return ""
}
