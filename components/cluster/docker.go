package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/ownkube/ownkube/components/kit/mutant"
)

// Labels carried by everything a cluster owns.
const (
	LabelCluster   = "ownkube.io/cluster"
	LabelComponent = "ownkube.io/component"
	// labelServiceCIDR on the cluster's network records the range left for
	// Service IPs, so Get can report it.
	labelServiceCIDR = "ownkube.io/service-cidr"
	// labelComponents on the cluster's network lists the control-plane
	// components it was brought up with, comma-separated, so that Get
	// knows a cluster of none (stage 1's) from one whose containers are gone.
	labelComponents = "ownkube.io/components"
)

// Labels on every container of a pod, besides LabelCluster, LabelComponent
// (= ComponentPod) and LabelNode. They live here, in given code, so that the
// harness can read pods' containers without linking the kubelet.
const (
	LabelNamespace    = "ownkube.io/namespace"
	LabelPod          = "ownkube.io/pod"
	LabelPodUID       = "ownkube.io/pod-uid"
	LabelContainer    = "ownkube.io/container"
	LabelRestartCount = "ownkube.io/restart-count"

	// ComponentPod is the LabelComponent of a pod's containers.
	ComponentPod = "pod"
	// SandboxName is the LabelContainer of a pod's pause container.
	SandboxName = "POD"
)

// Labels returns the labels of a thing component of cluster owns. Other
// packages that start containers for a cluster (nodes, pods) use it too, so
// Down removes what they start.
func Labels(cluster, component string) map[string]string {
	return map[string]string{LabelCluster: cluster, LabelComponent: component}
}

// ClusterFilter selects, in Docker list calls, what cluster owns.
func ClusterFilter(cluster string) filters.Args {
	return filters.NewArgs(filters.Arg("label", LabelCluster+"="+cluster))
}

var setEnvOnce sync.Once

// setTestcontainersEnv configures testcontainers before its first use: quiet, no
// reaper (its image cannot be pulled; we clean up by label), and container
// ports reached on 127.0.0.1, where they are published, rather than on a
// gateway address it would guess when running inside a container.
func setTestcontainersEnv() {
	setEnvOnce.Do(func() {
		// Up reports its own progress; testcontainers' banner would only
		// interleave with it.
		tclog.SetDefault(log.New(io.Discard, "", 0))
		for k, v := range map[string]string{
			"TESTCONTAINERS_RYUK_DISABLED": "true",
			"TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1",
		} {
			if _, ok := os.LookupEnv(k); !ok {
				os.Setenv(k, v)
			}
		}
	})
}

// Docker returns a client of the engine named by the environment (DOCKER_HOST
// …) once it has answered a ping; the caller closes it.
func Docker(ctx context.Context) (*client.Client, error) {
	docker, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("cluster: docker client: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := docker.Ping(pingCtx); err != nil {
		host := docker.DaemonHost()
		docker.Close()
		return nil, fmt.Errorf("Docker is not reachable at %s: is the engine running? (%w)", host, err)
	}
	return docker, nil
}

// owned is what Docker holds with a cluster's label.
type owned struct {
	containers []container.Summary
	networks   []network.Summary
	volumes    []*volume.Volume
}

func (o owned) empty() bool {
	return len(o.containers) == 0 && len(o.networks) == 0 && len(o.volumes) == 0
}

func listOwned(ctx context.Context, docker *client.Client, name string) (owned, error) {
	var o owned
	var err error
	f := ClusterFilter(name)
	if o.containers, err = docker.ContainerList(ctx, container.ListOptions{All: true, Filters: f}); err != nil {
		return o, fmt.Errorf("list containers of cluster %q: %w", name, err)
	}
	if o.networks, err = docker.NetworkList(ctx, network.ListOptions{Filters: f}); err != nil {
		return o, fmt.Errorf("list networks of cluster %q: %w", name, err)
	}
	vols, err := docker.VolumeList(ctx, volume.ListOptions{Filters: f})
	if err != nil {
		return o, fmt.Errorf("list volumes of cluster %q: %w", name, err)
	}
	o.volumes = vols.Volumes
	return o, nil
}

// clusterNames are the names of the clusters that own something on this
// engine (a container, network or volume with the cluster label), sorted.
func clusterNames(ctx context.Context, docker *client.Client) ([]string, error) {
	f := filters.NewArgs(filters.Arg("label", LabelCluster))
	seen := map[string]bool{}
	containers, err := docker.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list ownkube containers: %w", err)
	}
	for _, c := range containers {
		seen[c.Labels[LabelCluster]] = true
	}
	networks, err := docker.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list ownkube networks: %w", err)
	}
	for _, n := range networks {
		seen[n.Labels[LabelCluster]] = true
	}
	vols, err := docker.VolumeList(ctx, volume.ListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list ownkube volumes: %w", err)
	}
	for _, v := range vols.Volumes {
		seen[v.Labels[LabelCluster]] = true
	}
	names := slices.Sorted(maps.Keys(seen))
	// A name Down refuses (empty, or not a cluster name) cannot be ours.
	return slices.DeleteFunc(names, func(n string) bool { return validateName(n) != nil }), nil
}

// removeOwned removes every container, then every network and volume,
// labelled with cluster name. Containers go first, and again if more appear
// meanwhile (a node may be starting a pod), since a network with containers
// attached cannot be removed.
func removeOwned(ctx context.Context, docker *client.Client, name string) error {
	// Nodes first: a kubelet still running would start pods again.
	nodes, err := docker.ContainerList(ctx, container.ListOptions{All: true,
		Filters: filters.NewArgs(filters.Arg("label", LabelCluster+"="+name), filters.Arg("label", LabelComponent+"="+Node))})
	if err != nil {
		return fmt.Errorf("list nodes of cluster %q: %w", name, err)
	}
	if err := removeContainers(ctx, docker, nodes); err != nil {
		return err
	}
	for round := 0; ; round++ {
		o, err := listOwned(ctx, docker, name)
		if err != nil {
			return err
		}
		if len(o.containers) == 0 || round == 5 {
			return removeNetworksAndVolumes(ctx, docker, o)
		}
		if err := removeContainers(ctx, docker, o.containers); err != nil {
			return err
		}
		if round > 0 {
			// A removal someone else began (a node's proxy removing a
			// forwarder when it was stopped) may still be under way.
			select {
			case <-time.After(removalRetryDelay):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

// removalRetryDelay is the pause between rounds of removal once a round
// found containers left.
const removalRetryDelay = 200 * time.Millisecond

// removalInProgress reports the engine's refusal to remove a container
// whose removal another client began.
func removalInProgress(err error) bool {
	return errdefs.IsConflict(err) && strings.Contains(err.Error(), "already in progress")
}

func removeContainers(ctx context.Context, docker *client.Client, cs []container.Summary) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, c := range cs {
		wg.Go(func() {
			err := docker.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
			if err != nil && !errdefs.IsNotFound(err) && !removalInProgress(err) {
				mu.Lock()
				errs = append(errs, fmt.Errorf("remove container %s: %w", displayName(c), err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func removeNetworksAndVolumes(ctx context.Context, docker *client.Client, o owned) error {
	var errs []error
	for _, n := range o.networks {
		if err := docker.NetworkRemove(ctx, n.ID); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s (are containers of another cluster attached to it?): %w", n.Name, err))
		}
	}
	for _, v := range o.volumes {
		if err := docker.VolumeRemove(ctx, v.Name, true); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove volume %s: %w", v.Name, err))
		}
	}
	return errors.Join(errs...)
}

func displayName(c container.Summary) string {
	if len(c.Names) > 0 {
		return strings.TrimPrefix(c.Names[0], "/")
	}
	return c.ID[:12]
}

// checkNames fails with one sentence if a container or network Up would
// create exists without the cluster's label: it belongs to someone else.
func checkNames(ctx context.Context, docker *client.Client, cfg Config) error {
	names := make([]string, 0, len(cfg.Components)+cfg.Nodes)
	for _, comp := range cfg.Components {
		names = append(names, containerName(cfg.Name, comp))
	}
	for i := 1; i <= cfg.Nodes; i++ {
		names = append(names, nodeName(cfg.Name, i))
	}
	for _, cname := range names {
		c, err := docker.ContainerInspect(ctx, cname)
		switch {
		case errdefs.IsNotFound(err):
		case err != nil:
			return fmt.Errorf("inspect container %s: %w", cname, err)
		case c.Config == nil || c.Config.Labels[LabelCluster] != cfg.Name:
			return fmt.Errorf("a container named %s exists and is not part of cluster %s; remove it or choose another --name", cname, cfg.Name)
		}
	}
	nname := networkName(cfg.Name)
	n, err := docker.NetworkInspect(ctx, nname, network.InspectOptions{})
	switch {
	case errdefs.IsNotFound(err):
	case err != nil:
		return fmt.Errorf("inspect network %s: %w", nname, err)
	case n.Labels[LabelCluster] != cfg.Name:
		return fmt.Errorf("a network named %s exists and is not part of cluster %s; remove it or choose another --name", nname, cfg.Name)
	}
	return nil
}

// containerEnv is the environment of a container running the ownkube
// image: env, plus OWNKUBE_MUTANT when this process has it, so that a
// mutants image (ownkube images --mutants) runs in every component the
// mutant the kill run chose, and a solutions image ignores it.
func containerEnv(env map[string]string) map[string]string {
	name := mutant.Name()
	if name == "" {
		return env
	}
	out := maps.Clone(env)
	if out == nil {
		out = map[string]string{}
	}
	out[mutant.EnvVar] = name
	return out
}
