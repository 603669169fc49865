package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/kubelet"
)

// Labels on every container the runtime creates, besides cluster.LabelCluster
// and cluster.LabelComponent (= ComponentPod).
// They are defined in package cluster, which the harness reads them from.
const (
	LabelNode         = cluster.LabelNode
	LabelNamespace    = cluster.LabelNamespace
	LabelPod          = cluster.LabelPod
	LabelPodUID       = cluster.LabelPodUID
	LabelContainer    = cluster.LabelContainer
	LabelRestartCount = cluster.LabelRestartCount
)

const (
	// ComponentPod is the cluster.LabelComponent of a pod's containers.
	ComponentPod = cluster.ComponentPod
	// SandboxName is the LabelContainer of a pod's pause container.
	SandboxName = cluster.SandboxName
	// DefaultPauseImage is Config.PauseImage when left empty.
	DefaultPauseImage = "ownkube/pause:latest"
)

// ErrForeign is returned (wrapped) for a container that does not carry this
// runtime's cluster and node labels: the runtime never acts on it.
var ErrForeign = errors.New("runtime/docker: not a container of this node")

// Config configures a Runtime.
type Config struct {
	// Cluster names the cluster (required): its label goes on every container.
	Cluster string
	// Node names this node (required).
	Node string
	// Network is the cluster's Docker network (required): pod IPs come from it.
	Network string
	// PauseImage is the sandbox image. Default DefaultPauseImage.
	PauseImage string
	// DNS, if set, gives a pod's resolver configuration (kubelet.PodDNS),
	// set on its sandbox: on a user-defined network Docker's resolver
	// answers the network's own names and forwards the rest to the
	// nameservers given, with the search path and options written into the
	// pod's resolv.conf.
	DNS func(pod *corev1.Pod) kubelet.DNSConfig
}

// Runtime runs pods as Docker containers. It is safe for concurrent use.
type Runtime struct {
	cfg    Config
	docker *client.Client
	cache  inspectCache
}

var _ kubelet.Runtime = (*Runtime)(nil)

// New validates cfg and connects to the Docker engine named by the
// environment (DOCKER_HOST …), failing if it does not answer a ping.
func New(cfg Config) (*Runtime, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	docker, err := cluster.Docker(context.Background())
	if err != nil {
		return nil, err
	}
	return &Runtime{cfg: cfg, docker: docker, cache: newInspectCache()}, nil
}

func (cfg Config) withDefaults() (Config, error) {
	for _, f := range []struct{ name, value string }{
		{"Cluster", cfg.Cluster}, {"Node", cfg.Node}, {"Network", cfg.Network},
	} {
		if f.value == "" {
			return cfg, fmt.Errorf("runtime/docker: Config.%s is required", f.name)
		}
	}
	if cfg.PauseImage == "" {
		cfg.PauseImage = DefaultPauseImage
	}
	return cfg, nil
}

// Close closes the connection to Docker.
func (r *Runtime) Close() error { return r.docker.Close() }

// owned inspects id and fails with ErrForeign unless it carries this
// runtime's cluster and node labels. found is false if there is no such
// container.
func (r *Runtime) owned(ctx context.Context, id string) (found bool, err error) {
	c, err := r.docker.ContainerInspect(ctx, id)
	if errdefs.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("inspect container %.12s: %w", id, err)
	}
	var l map[string]string
	if c.Config != nil {
		l = c.Config.Labels
	}
	if l[cluster.LabelCluster] != r.cfg.Cluster || l[LabelNode] != r.cfg.Node {
		return true, fmt.Errorf("%w: container %.12s is labelled cluster %q, node %q; this is node %s of cluster %s",
			ErrForeign, id, l[cluster.LabelCluster], l[LabelNode], r.cfg.Node, r.cfg.Cluster)
	}
	return true, nil
}

// StopContainer sends the container's stop signal (SIGTERM), then SIGKILL
// once grace, rounded up to whole seconds, has passed. A container that is
// already gone counts as stopped.
func (r *Runtime) StopContainer(ctx context.Context, id string, grace time.Duration) error {
	found, err := r.owned(ctx, id)
	if err != nil || !found {
		return err
	}
	timeout := int(math.Ceil(max(grace, 0).Seconds()))
	err = r.docker.ContainerStop(ctx, id, container.StopOptions{Timeout: &timeout})
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("stop container %.12s: %w", id, err)
	}
	return nil
}

// RemoveContainer removes the container, killing it if it runs, with its
// anonymous volumes. A container that is already gone counts as removed.
func (r *Runtime) RemoveContainer(ctx context.Context, id string) error {
	found, err := r.owned(ctx, id)
	if err != nil || !found {
		return err
	}
	return r.remove(ctx, id)
}

func (r *Runtime) remove(ctx context.Context, id string) error {
	err := r.docker.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("remove container %.12s: %w", id, err)
	}
	return nil
}

// ImagePresent reports whether image is on the node; Docker resolves a
// name without a tag to :latest. Nothing is pulled.
func (r *Runtime) ImagePresent(ctx context.Context, image string) (bool, error) {
	_, err := r.docker.ImageInspect(ctx, image)
	switch {
	case errdefs.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("inspect image %s: %w", image, err)
	}
	return true, nil
}

// Logs copies the container's stdout and stderr, both to w. With Follow it
// returns once the container ends or ctx ends; the latter is how a follower
// stops, and is no error.
func (r *Runtime) Logs(ctx context.Context, id string, opts kubelet.LogOptions, w io.Writer) error {
	found, err := r.owned(ctx, id)
	if err != nil {
		return fmt.Errorf("logs of container %.12s: %w", id, err)
	}
	if !found {
		return fmt.Errorf("logs of container %.12s: no such container", id)
	}
	rc, err := r.docker.ContainerLogs(ctx, id, logsOptions(opts))
	if err != nil {
		return fmt.Errorf("logs of container %.12s: %w", id, err)
	}
	defer rc.Close()
	// The runtime never allocates a TTY, so the stream is multiplexed.
	if _, err := stdcopy.StdCopy(w, w, rc); err != nil && !(opts.Follow && ctx.Err() != nil) {
		return fmt.Errorf("logs of container %.12s: %w", id, err)
	}
	return nil
}

func logsOptions(opts kubelet.LogOptions) container.LogsOptions {
	o := container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: opts.Follow, Timestamps: opts.Timestamps}
	if opts.TailLines > 0 {
		o.Tail = strconv.FormatInt(opts.TailLines, 10)
	}
	return o
}
