package cluster

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Node is the component label of node containers; LabelNode names the node
// a node container runs, or a pod container runs on.
const (
	Node      = "node"
	LabelNode = "ownkube.io/node"
)

// Kubelet is the key of Config.Images that picks the nodes' image.
const Kubelet = "kubelet"

// maxNodes bounds --nodes: each node is a container and a kubelet.
const maxNodes = 50

// NodeConfig sizes the nodes and tunes their kubelets.
type NodeConfig struct {
	// CPU, Memory and Pods are what each node offers ("2", "4Gi", 110).
	CPU, Memory string
	Pods        int
	// BackoffBase and BackoffCap bound the restart back-off of crashed
	// containers (Kubernetes: 10s doubling to 5m; tests want it short).
	BackoffBase, BackoffCap time.Duration
	// HeartbeatInterval is how often each kubelet renews its node's Lease
	// (Kubernetes: 10s; the kubelet's default 5s).
	HeartbeatInterval time.Duration
	// Verbose has the kubelets log every action they take (--verbose):
	// the kubelet's side of an e2e spec's timeline.
	Verbose bool
	// ForwarderImage is the image of the ClusterIP forwarders the nodes'
	// proxies start (--forwarder-image); empty, the kubelet's default.
	ForwarderImage string
}

// nodeName is the name of node i (from 1) of cluster: its container's name
// and the Node it registers.
func nodeName(cluster string, i int) string { return fmt.Sprintf("%s-node-%d", cluster, i) }

// kubeletArgs is the command line of a node's kubelet.
func kubeletArgs(cfg Config, plan addressPlan, name string) []string {
	args := []string{"kubelet", "--kubeconfig", containerKubeconfig, "--proxy-kubeconfig", containerProxyKubeconfig,
		"--cluster", cfg.Name, "--node-name", name,
		"--network", networkName(cfg.Name), "--log-address", ":10250"}
	if slices.Contains(cfg.Components, DNS) {
		args = append(args, "--cluster-dns", plan.DNS.String(), "--cluster-domain", ClusterDomain)
	}
	n := cfg.Node
	for flag, v := range map[string]string{"--cpu": n.CPU, "--memory": n.Memory} {
		if v != "" {
			args = append(args, flag, v)
		}
	}
	if n.Pods > 0 {
		args = append(args, "--pods", fmt.Sprint(n.Pods))
	}
	for flag, d := range map[string]time.Duration{"--backoff-base": n.BackoffBase, "--backoff-cap": n.BackoffCap,
		"--heartbeat-interval": n.HeartbeatInterval} {
		if d > 0 {
			args = append(args, flag, d.String())
		}
	}
	if n.Verbose {
		args = append(args, "--verbose")
	}
	if n.ForwarderImage != "" {
		args = append(args, "--forwarder-image", n.ForwarderImage)
	}
	return args
}

// startNode starts node i: a container of the cluster's image running the
// kubelet, which starts pods as sibling containers through the host's
// Docker socket (mounted; no privileges needed).
func startNode(ctx context.Context, cfg Config, plan addressPlan, i int) error {
	name := nodeName(cfg.Name, i)
	netName := networkName(cfg.Name)
	labels := Labels(cfg.Name, Node)
	labels[LabelNode] = name
	socket := dockerSocket()
	files, err := nodeFiles(cfg, name)
	if err != nil {
		return fmt.Errorf("start node %s: %w", name, err)
	}
	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:          cfg.imageOf(Kubelet),
			Name:           name,
			Hostname:       name,
			Cmd:            kubeletArgs(cfg, plan, name),
			Labels:         labels,
			Env:            containerEnv(map[string]string{"DOCKER_HOST": "unix:///var/run/docker.sock"}),
			Files:          files,
			Networks:       []string{netName},
			NetworkAliases: map[string][]string{netName: {name}},
			HostConfigModifier: func(hc *container.HostConfig) {
				hc.NetworkMode = container.NetworkMode(netName)
				hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.TypeBind, Source: socket, Target: "/var/run/docker.sock"})
			},
			// The kubelet logs this once registered and serving; a scratch
			// image has no shell to exec a check in.
			WaitingFor: wait.ForLog("kubelet running").WithStartupTimeout(cfg.StartupTimeout),
		},
		Started: true,
		Logger:  log.New(io.Discard, "", 0),
	}
	if _, err := testcontainers.GenericContainer(ctx, req); err != nil {
		return nodeStartError(ctx, name, err)
	}
	return nil
}

// nodeStartError says why node name did not start, with the last lines it
// logged: a kubelet that never registers says why there (an API server
// answering 501 for a stub of the store names the function to write).
func nodeStartError(ctx context.Context, name string, err error) error {
	failed := fmt.Errorf("start node %s: %w", name, rootCause(err))
	docker, derr := Docker(context.WithoutCancel(ctx))
	if derr != nil {
		return failed
	}
	defer docker.Close()
	if logs := lastLogLines(docker, name, 20); logs != "" {
		return fmt.Errorf("%w; its last log lines:\n%s", failed, logs)
	}
	return failed
}

// dockerSocket is the host path of the Docker socket the nodes mount.
func dockerSocket() string {
	if host := os.Getenv("DOCKER_HOST"); strings.HasPrefix(host, "unix://") {
		return strings.TrimPrefix(host, "unix://")
	}
	return "/var/run/docker.sock"
}
