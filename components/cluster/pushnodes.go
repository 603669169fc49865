package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/go-connections/nat"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Push nodes are the nodes of the kit's coupled stages: a node container
// whose kubelet runs the pods pushed to its HTTP endpoint (--pod-source
// push) and knows of no API server. The ownkube CLI starts them one by one
// (`ownkube node create`), in a cluster of their own or beside a full one.
const (
	// LabelPodSource marks a node container with where its kubelet's pods
	// come from; push nodes carry PodSourcePush.
	LabelPodSource = "ownkube.io/pod-source"
	PodSourcePush  = "push"
	// PushPort is the port of a push node's pod API inside its container,
	// published on 127.0.0.1 at a port Docker picks.
	PushPort = 10250
)

// ErrNoNode is returned (wrapped) when a cluster has no push node of a name.
var ErrNoNode = errors.New("no such node")

// NodeImageEnv names the variable that gives `ownkube node create --image`
// its default: the e2e suite sets it to the reference's image when the
// kubelet is run from the reference (OWNKUBE_E2E_REFERENCE=kubelet).
const NodeImageEnv = "OWNKUBE_NODE_IMAGE"

// PushNodeConfig describes a push node to start.
type PushNodeConfig struct {
	// Cluster is the cluster the node joins (default "ownkube"); its network
	// ownkube-<Cluster> is created if absent.
	Cluster string
	// Name names the node; its container is <Cluster>-<Name>.
	Name string
	// Image is the ownkube image the node runs (default "ownkube:solutions").
	Image string
	// BackoffBase and BackoffCap bound restarts of crashed containers (zero:
	// the kubelet's defaults).
	BackoffBase, BackoffCap time.Duration
	// StartupTimeout bounds the wait for the kubelet (default 60s).
	StartupTimeout time.Duration
}

// PushNode is a running (or stopped) push node, read back from Docker.
type PushNode struct {
	Name, Cluster string
	// Container is the node container's name; State its Docker state.
	Container, State string
	// URL is http://127.0.0.1:<port>, where its pod API is published; empty
	// when the container does not run.
	URL     string
	Created time.Time
}

func (cfg PushNodeConfig) withDefaults() (PushNodeConfig, error) {
	if cfg.Cluster == "" {
		cfg.Cluster = DefaultName
	}
	if err := validateName(cfg.Cluster); err != nil {
		return cfg, err
	}
	if len(cfg.Name) > 40 || !validName.MatchString(cfg.Name) {
		return cfg, fmt.Errorf("node name %q is not valid: use at most 40 lower-case letters, digits and '-', starting and ending with a letter or digit", cfg.Name)
	}
	if cfg.Image == "" {
		cfg.Image = DefaultImage
	}
	if cfg.StartupTimeout == 0 {
		cfg.StartupTimeout = DefaultStartupTimeout
	}
	return cfg, nil
}

// pushNodeContainer is the Docker name of push node name of cluster.
func pushNodeContainer(cluster, name string) string { return cluster + "-" + name }

// StartPushNode starts a push node and returns it once its kubelet serves.
// A node of that name that exists already is an error that says so.
func StartPushNode(ctx context.Context, cfg PushNodeConfig) (PushNode, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return PushNode{}, err
	}
	setTestcontainersEnv()
	docker, err := Docker(ctx)
	if err != nil {
		return PushNode{}, err
	}
	defer docker.Close()
	if err := checkPushNodeFree(ctx, docker, cfg); err != nil {
		return PushNode{}, err
	}
	if err := ensureNetwork(ctx, docker, cfg.Cluster); err != nil {
		return PushNode{}, err
	}
	if err := startPushContainer(ctx, cfg); err != nil {
		// testcontainers may leave the container behind its error.
		_ = removeByFilter(context.WithoutCancel(ctx), docker, nodeFilter(cfg.Cluster, cfg.Name))
		return PushNode{}, err
	}
	return GetPushNode(ctx, cfg.Cluster, cfg.Name)
}

func checkPushNodeFree(ctx context.Context, docker *client.Client, cfg PushNodeConfig) error {
	name := pushNodeContainer(cfg.Cluster, cfg.Name)
	c, err := docker.ContainerInspect(ctx, name)
	switch {
	case errdefs.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("inspect container %s: %w", name, err)
	case c.Config != nil && c.Config.Labels[LabelCluster] == cfg.Cluster && c.Config.Labels[LabelNode] == cfg.Name:
		return fmt.Errorf("node %s exists already in cluster %s: use it, or run `ownkube node delete %s` first", cfg.Name, cfg.Cluster, cfg.Name)
	}
	return fmt.Errorf("a container named %s exists and is not node %s of cluster %s: remove it or choose another node name", name, cfg.Name, cfg.Cluster)
}

// ensureNetwork creates the cluster's network unless it exists, labelled
// with the cluster so that `ownkube down` removes it.
func ensureNetwork(ctx context.Context, docker *client.Client, cluster string) error {
	n, err := docker.NetworkInspect(ctx, networkName(cluster), network.InspectOptions{})
	switch {
	case errdefs.IsNotFound(err):
		_, err = createNetwork(ctx, docker, cluster, NoComponents)
		return err
	case err != nil:
		return fmt.Errorf("inspect network %s: %w", networkName(cluster), err)
	case n.Labels[LabelCluster] != cluster:
		return fmt.Errorf("a network named %s exists and is not part of cluster %s; remove it or choose another --cluster", n.Name, cluster)
	}
	return nil
}

func startPushContainer(ctx context.Context, cfg PushNodeConfig) error {
	name := pushNodeContainer(cfg.Cluster, cfg.Name)
	netName := networkName(cfg.Cluster)
	port := nat.Port(fmt.Sprintf("%d/tcp", PushPort))
	labels := Labels(cfg.Cluster, Node)
	labels[LabelNode], labels[LabelPodSource] = cfg.Name, PodSourcePush
	socket := dockerSocket()
	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:          cfg.Image,
			Name:           name,
			Hostname:       cfg.Name,
			Cmd:            pushKubeletArgs(cfg),
			Labels:         labels,
			Env:            containerEnv(map[string]string{"DOCKER_HOST": "unix:///var/run/docker.sock"}),
			Networks:       []string{netName},
			NetworkAliases: map[string][]string{netName: {cfg.Name}},
			ExposedPorts:   []string{string(port)},
			HostConfigModifier: func(hc *container.HostConfig) {
				hc.NetworkMode = container.NetworkMode(netName)
				hc.PortBindings = nat.PortMap{port: {{HostIP: "127.0.0.1"}}}
				hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.TypeBind, Source: socket, Target: "/var/run/docker.sock"})
			},
			WaitingFor: wait.ForLog("kubelet running").WithStartupTimeout(cfg.StartupTimeout),
		},
		Started: true,
		Logger:  log.New(io.Discard, "", 0),
	}
	if _, err := testcontainers.GenericContainer(ctx, req); err != nil {
		return fmt.Errorf("start node %s (image %s): %w", cfg.Name, cfg.Image, rootCause(err))
	}
	return nil
}

// pushKubeletArgs is the command line of a push node's kubelet.
func pushKubeletArgs(cfg PushNodeConfig) []string {
	args := []string{"kubelet", "--pod-source", "push", "--push-address", ":" + strconv.Itoa(PushPort),
		"--cluster", cfg.Cluster, "--node-name", cfg.Name, "--network", networkName(cfg.Cluster)}
	if cfg.BackoffBase > 0 {
		args = append(args, "--backoff-base", cfg.BackoffBase.String())
	}
	if cfg.BackoffCap > 0 {
		args = append(args, "--backoff-cap", cfg.BackoffCap.String())
	}
	return args
}

// PushNodes lists the push nodes of cluster, by name.
func PushNodes(ctx context.Context, cluster string) ([]PushNode, error) {
	if err := validateName(cluster); err != nil {
		return nil, err
	}
	docker, err := Docker(ctx)
	if err != nil {
		return nil, err
	}
	defer docker.Close()
	f := filters.NewArgs(filters.Arg("label", LabelCluster+"="+cluster), filters.Arg("label", LabelComponent+"="+Node),
		filters.Arg("label", LabelPodSource+"="+PodSourcePush))
	cs, err := docker.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list nodes of cluster %s: %w", cluster, err)
	}
	nodes := make([]PushNode, 0, len(cs))
	for _, c := range cs {
		n := PushNode{Name: c.Labels[LabelNode], Cluster: cluster, Container: displayName(c), State: string(c.State),
			Created: time.Unix(c.Created, 0)}
		if c.State == container.StateRunning {
			n.URL = publishedURL(c, component{Port: PushPort})
		}
		nodes = append(nodes, n)
	}
	slices.SortFunc(nodes, func(a, b PushNode) int { return strings.Compare(a.Name, b.Name) })
	return nodes, nil
}

// GetPushNode returns push node name of cluster, or an error wrapping
// ErrNoNode that says how to make it.
func GetPushNode(ctx context.Context, cluster, name string) (PushNode, error) {
	nodes, err := PushNodes(ctx, cluster)
	if err != nil {
		return PushNode{}, err
	}
	for _, n := range nodes {
		if n.Name == name {
			return n, nil
		}
	}
	return PushNode{}, fmt.Errorf("%w %s in cluster %s: run `ownkube node create %s` first", ErrNoNode, name, cluster, name)
}

// RemovePushNode removes push node name of cluster: its container first,
// so its kubelet starts nothing more, then its pods' containers.
func RemovePushNode(ctx context.Context, cluster, name string) error {
	if _, err := GetPushNode(ctx, cluster, name); err != nil {
		return err
	}
	docker, err := Docker(ctx)
	if err != nil {
		return err
	}
	defer docker.Close()
	node := filters.NewArgs(filters.Arg("label", LabelCluster+"="+cluster), filters.Arg("label", LabelComponent+"="+Node),
		filters.Arg("label", LabelNode+"="+name))
	if err := removeByFilter(ctx, docker, node); err != nil {
		return err
	}
	return removeByFilter(ctx, docker, nodeFilter(cluster, name))
}

// nodeFilter selects every container of cluster on node name: the node
// container and its pods'.
func nodeFilter(cluster, name string) filters.Args {
	return filters.NewArgs(filters.Arg("label", LabelCluster+"="+cluster), filters.Arg("label", LabelNode+"="+name))
}

func removeByFilter(ctx context.Context, docker *client.Client, f filters.Args) error {
	cs, err := docker.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return fmt.Errorf("list containers to remove: %w", err)
	}
	return removeContainers(ctx, docker, cs)
}
