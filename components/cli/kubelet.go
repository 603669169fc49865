package cli

import (
	"cmp"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/ownkube/ownkube/components/kubelet"
	"github.com/ownkube/ownkube/components/kubelet/podstate"
	"github.com/ownkube/ownkube/components/kubelet/runtime/docker"
	"github.com/ownkube/ownkube/components/proxy"
)

// kubeletFlags are the kubelet's command-line settings.
type kubeletFlags struct {
	kubeconfig, master, nodeName, clusterName, network, nodeIP, logAddress string
	proxyKubeconfig                                                        string
	cpu, memory, labels, clusterDomain                                     string
	podSource, pushAddress                                                 string
	clusterDNS                                                             []string
	pods                                                                   int
	backoffBase, backoffCap, heartbeat                                     time.Duration
	verbose                                                                bool
	// proxy runs `ownkube proxy` in the kubelet's process: a scratch node
	// image has no shell to start two processes, and the proxy, like the
	// kubelet, needs the node container's Docker socket.
	proxy          bool
	forwarderImage string
}

var _ = register(func() *cobra.Command {
	fl := &kubeletFlags{}
	cmd := &cobra.Command{
		Use:   "kubelet (--kubeconfig PATH | --master URL | --pod-source push) --cluster NAME",
		Short: "Run a node's kubelet: run the pods bound to the node as Docker containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := fl.build()
			if err != nil {
				return err
			}
			if !fl.proxy || fl.podSource == podSourcePush {
				return k.Run(cmd.Context())
			}
			p, err := fl.buildProxy()
			if err != nil {
				return err
			}
			g, ctx := errgroup.WithContext(cmd.Context())
			g.Go(func() error { return k.Run(ctx) })
			g.Go(func() error { return p.Run(ctx) })
			return g.Wait()
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.podSource, "pod-source", podSourceAPI, "where the pods to run come from: api (a watch of the API server) or push "+
		"(PUT to this node's /pods/{namespace}/{name}; no API server at all, as in the kit's coupled stages)")
	f.StringVar(&fl.pushAddress, "push-address", ":10250", "with --pod-source push: address of the node's pod API (and of its logs)")
	f.StringVar(&fl.kubeconfig, "kubeconfig", "", "kubeconfig of the cluster")
	f.StringVar(&fl.master, "master", "", "URL of the API server (overrides the kubeconfig's); alone, for one without TLS, e.g. http://apiserver:6443")
	f.StringVar(&fl.proxyKubeconfig, "proxy-kubeconfig", "", "kubeconfig of the proxy beside the kubelet, whose user (system:kube-proxy) "+
		"its forwarders authenticate as too (default: the kubelet's)")
	f.StringVar(&fl.nodeName, "node-name", "", "name of this node (default: the hostname)")
	f.StringVar(&fl.clusterName, "cluster", "", "name of the cluster: every container started carries it as a label (required)")
	f.StringVar(&fl.network, "network", "", "Docker network pods join (default: ownkube-<cluster>)")
	f.StringVar(&fl.nodeIP, "node-ip", "", "the node's InternalIP (default: its first IPv4 address)")
	f.StringVar(&fl.logAddress, "log-address", ":10250", "address to serve container logs and /healthz on")
	f.StringSliceVar(&fl.clusterDNS, "cluster-dns", nil, "nameserver(s) of pods with dnsPolicy ClusterFirst: the cluster DNS (none: Docker's resolver)")
	f.StringVar(&fl.clusterDomain, "cluster-domain", "cluster.local", "the cluster's DNS domain: pods search <ns>.svc.<domain> svc.<domain> <domain>")
	f.StringVar(&fl.cpu, "cpu", "2", "cpu the node offers to pods")
	f.StringVar(&fl.memory, "memory", "4Gi", "memory the node offers to pods")
	f.IntVar(&fl.pods, "pods", 110, "how many pods the node takes")
	f.StringVar(&fl.labels, "node-labels", "", "extra node labels, k=v,k2=v2")
	f.DurationVar(&fl.backoffBase, "backoff-base", 10*time.Second, "wait before a crashed container's first restart; doubles each time")
	f.DurationVar(&fl.backoffCap, "backoff-cap", 5*time.Minute, "longest wait between restarts")
	f.DurationVar(&fl.heartbeat, "heartbeat-interval", 5*time.Second, "how often the node's Lease is renewed")
	f.BoolVarP(&fl.verbose, "verbose", "v", false, "log every action (debug level)")
	f.BoolVar(&fl.proxy, "proxy", true, "also run the node's service proxy (NodePorts; ClusterIP forwarders while it leads)")
	f.StringVar(&fl.forwarderImage, "forwarder-image", "ownkube/forwarder:latest", "image of the ClusterIP forwarder containers")
	return cmd
})

// buildProxy is the proxy that runs beside the kubelet, named after the node.
func (fl *kubeletFlags) buildProxy() (*proxy.Proxy, error) {
	kubeconfig := cmp.Or(fl.proxyKubeconfig, fl.kubeconfig)
	client, err := componentClient("proxy", fl.nodeName, fl.master, kubeconfig)
	if err != nil {
		return nil, err
	}
	apiURL, apiTLS, err := forwarderAPI(fl.master, kubeconfig)
	if err != nil {
		return nil, err
	}
	return proxy.New(proxy.Config{Client: client, Cluster: fl.clusterName, Network: fl.network,
		APIServerURL: apiURL, APITLS: apiTLS, ForwarderImage: fl.forwarderImage, Identity: fl.nodeName, Logger: logger(fl.verbose)})
}

// The kubelet's pod sources (--pod-source).
const (
	podSourceAPI  = "api"
	podSourcePush = "push"
)

func (fl *kubeletFlags) build() (*kubelet.Kubelet, error) {
	if fl.clusterName == "" {
		return nil, fmt.Errorf("kubelet: give --cluster: the kubelet only touches containers labelled with its cluster")
	}
	var client kubernetes.Interface
	var err error
	if fl.nodeName == "" {
		if fl.nodeName, err = os.Hostname(); err != nil {
			return nil, fmt.Errorf("kubelet: give --node-name: %w", err)
		}
	}
	switch fl.podSource {
	case podSourceAPI:
		if client, err = componentClient("kubelet", fl.nodeName, fl.master, fl.kubeconfig); err != nil {
			return nil, err
		}
	case podSourcePush:
		if fl.kubeconfig != "" || fl.master != "" {
			return nil, fmt.Errorf("kubelet: --pod-source push runs without an API server: drop --kubeconfig and --master")
		}
		fl.logAddress = fl.pushAddress // one server for the node's pods and their logs
	default:
		return nil, fmt.Errorf("kubelet: --pod-source %q: choose %s or %s", fl.podSource, podSourceAPI, podSourcePush)
	}
	if fl.network == "" {
		fl.network = "ownkube-" + fl.clusterName
	}
	capacity, err := parseCapacity(fl.cpu, fl.memory, fl.pods)
	if err != nil {
		return nil, err
	}
	labels, err := parseLabels(fl.labels)
	if err != nil {
		return nil, err
	}
	clusterDNS := kubelet.ClusterDNS{Servers: fl.clusterDNS, Domain: fl.clusterDomain}
	for _, ip := range clusterDNS.Servers {
		if _, err := netip.ParseAddr(ip); err != nil {
			return nil, fmt.Errorf("kubelet: --cluster-dns %q is not an IP address", ip)
		}
	}
	rt, err := docker.New(docker.Config{Cluster: fl.clusterName, Node: fl.nodeName, Network: fl.network,
		DNS: func(pod *corev1.Pod) kubelet.DNSConfig { return kubelet.PodDNS(pod, clusterDNS) }})
	if err != nil {
		return nil, err
	}
	var source kubelet.Source
	if fl.podSource == podSourcePush {
		source = kubelet.NewPushSource(fl.nodeName)
	}
	return kubelet.New(kubelet.Config{
		Client: client, Source: source, NodeName: fl.nodeName, Runtime: rt, NodeIP: fl.nodeIP, Capacity: capacity, Labels: labels,
		Policy:            podstate.Policy{BackoffBase: fl.backoffBase, BackoffCap: fl.backoffCap},
		HeartbeatInterval: fl.heartbeat, LogAddress: fl.logAddress, Logger: logger(fl.verbose),
	})
}

func parseCapacity(cpu, memory string, pods int) (corev1.ResourceList, error) {
	c, err := resource.ParseQuantity(cpu)
	if err != nil {
		return nil, fmt.Errorf("kubelet: --cpu %q: %w", cpu, err)
	}
	m, err := resource.ParseQuantity(memory)
	if err != nil {
		return nil, fmt.Errorf("kubelet: --memory %q: %w", memory, err)
	}
	return corev1.ResourceList{corev1.ResourceCPU: c, corev1.ResourceMemory: m,
		corev1.ResourcePods: *resource.NewQuantity(int64(pods), resource.DecimalSI)}, nil
}

func parseLabels(s string) (map[string]string, error) {
	labels := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("--node-labels: %q is not key=value", kv)
		}
		labels[k] = v
	}
	return labels, nil
}

// componentClient connects a cluster component to the API server, with no
// client-side rate limit: the component bounds its own work. identity
// (the node's name, or "") joins the component's name in its user agent.
func componentClient(component, identity, master, kubeconfig string) (kubernetes.Interface, error) {
	if kubeconfig == "" && master == "" {
		return nil, fmt.Errorf("%s: give --kubeconfig or --master", component)
	}
	cfg, err := clientcmd.BuildConfigFromFlags(master, kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("%s: load client config: %w", component, err)
	}
	cfg.QPS, cfg.Burst = -1, 0
	cfg.UserAgent = userAgent(component, identity)
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", component, err)
	}
	return client, nil
}

// userAgent names a component to the API server, which logs it with each
// request (apiserver --log-requests): "kubelet (node-1)", "scheduler". One
// binary runs every component, so client-go's default, the binary's name,
// would tell them apart no more than its version would.
func userAgent(component, identity string) string {
	if identity == "" {
		return component
	}
	return component + " (" + identity + ")"
}

func logger(verbose bool) *slog.Logger {
	level := slog.LevelInfo
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}
