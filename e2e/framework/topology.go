package framework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/errdefs"
	. "github.com/onsi/ginkgo/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/images"
)

// runningConfig is the configuration the suite's cluster was brought up
// with, as any process can rebuild it.
func runningConfig() (cluster.Config, error) {
	image, err := images.Tag("ownkube", implUnderTest())
	if err != nil {
		return cluster.Config{}, err
	}
	compaction, err := time.ParseDuration(envOr("OWNKUBE_E2E_COMPACTION", "2s"))
	if err != nil {
		return cluster.Config{}, fmt.Errorf("OWNKUBE_E2E_COMPACTION: %w", err)
	}
	return clusterConfig(Cluster().Name, image, compaction)
}

// AddNode starts node i of the suite's cluster (NodeCount+1 for a third
// node) as the cluster started the others, and returns its name once its
// kubelet runs. Remove it with RemoveNode.
func AddNode(ctx context.Context, i int) (string, error) {
	cfg, err := runningConfig()
	if err != nil {
		return "", err
	}
	return cluster.AddNode(ctx, cfg, i)
}

// RemoveNode removes node's container and its pods' containers, as a
// machine taken away would lose them, and deletes its Node, as an
// administrator retiring it would.
func RemoveNode(ctx context.Context, node string) error {
	list, err := nodeContainers(ctx, node)
	if err != nil {
		return err
	}
	for _, c := range list {
		if err := RemoveContainer(ctx, c.ID); err != nil {
			return err
		}
	}
	return deleteNode(ctx, node)
}

// nodeContainers lists node's container and its pods' containers, the
// node's first.
func nodeContainers(ctx context.Context, node string) ([]container.Summary, error) {
	list, err := Docker().ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(
		filters.Arg("label", cluster.LabelCluster+"="+Cluster().Name),
		filters.Arg("label", cluster.LabelNode+"="+node),
	)})
	if err != nil {
		return nil, fmt.Errorf("list the containers of node %s: %w", node, err)
	}
	slices.SortStableFunc(list, func(a, b container.Summary) int {
		return cmpBool(a.Labels[cluster.LabelComponent] != cluster.Node, b.Labels[cluster.LabelComponent] != cluster.Node)
	})
	return list, nil
}

// StartReplica starts another container of component (cluster.Scheduler
// or cluster.ControllerManager) in the suite's cluster and returns its
// container name once it answers ready.
func StartReplica(ctx context.Context, component, replica string) (string, error) {
	cfg, err := runningConfig()
	if err != nil {
		return "", err
	}
	return cluster.StartReplica(ctx, cfg, component, replica)
}

// ComponentContainer is the Docker name of a control-plane component's
// container in the suite's cluster.
func ComponentContainer(component string) string {
	return cluster.ContainerName(Cluster().Name, component)
}

// StopNode stops node's container and every container of its pods (those
// labelled ownkube.io/node=<node>), as a machine that died would lose them
// all. A pause container holds the node's address while it is down, since
// Docker would hand it to the next pod and the node could not start again
// at it. StartNode brings the node back.
func StopNode(ctx context.Context, node string) error {
	// The kubelet first, so it restarts none of the pods' containers.
	list, err := nodeContainers(ctx, node)
	if err != nil {
		return err
	}
	addr, err := nodeAddress(ctx, node)
	if err != nil {
		return err
	}
	for _, c := range list {
		if c.State != container.StateRunning {
			continue
		}
		if err := Docker().ContainerStop(ctx, c.ID, container.StopOptions{Timeout: ptr.To(0)}); err != nil {
			return fmt.Errorf("stop container %s of node %s: %w", c.Names, node, err)
		}
	}
	placeholder, err := holdAddress(ctx, addr)
	if err != nil {
		return fmt.Errorf("keep stopped node %s's address %s: %w", node, addr, err)
	}
	stoppedNodes.Store(node, placeholder)
	fmt.Fprintf(GinkgoWriter, "stopped node %s (%s) and %d containers of its pods\n", node, addr, len(list)-1)
	return nil
}

// stoppedNodes holds, by node, the placeholder keeping its address.
var stoppedNodes sync.Map

// nodeAddress is node's address on the cluster network.
func nodeAddress(ctx context.Context, node string) (string, error) {
	ctr, err := NodeContainer(ctx, node)
	if err != nil {
		return "", err
	}
	in, err := Docker().ContainerInspect(ctx, ctr.ID)
	if err != nil {
		return "", fmt.Errorf("inspect the container of node %s: %w", node, err)
	}
	ep, ok := in.NetworkSettings.Networks[Cluster().Network]
	if !ok || ep.IPAddress == "" {
		return "", fmt.Errorf("node %s has no address on network %s", node, Cluster().Network)
	}
	return ep.IPAddress, nil
}

// StartNode starts node's stopped container again, at its address; its
// kubelet comes back with whatever the API says it should run.
func StartNode(ctx context.Context, node string) error {
	ctr, err := NodeContainer(ctx, node)
	if err != nil {
		return err
	}
	if placeholder, ok := stoppedNodes.LoadAndDelete(node); ok {
		if err := Docker().ContainerRemove(ctx, placeholder.(string), container.RemoveOptions{Force: true}); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("remove the placeholder of node %s: %w", node, err)
		}
	}
	for attempt := 1; ; attempt++ {
		// Docker may count the placeholder's address as taken a moment
		// after it is gone.
		err = Docker().ContainerStart(ctx, ctr.ID, container.StartOptions{})
		if err == nil || attempt == 10 {
			break
		}
		select {
		case <-ctx.Done():
			return errors.Join(fmt.Errorf("start the container of node %s: %w", node, err), ctx.Err())
		case <-time.After(300 * time.Millisecond):
		}
	}
	if err != nil {
		return fmt.Errorf("start the container of node %s: %w", node, err)
	}
	return nil
}

// StopContainer stops the container named name (one of the cluster's) at
// once; StartContainer starts it again.
func StopContainer(ctx context.Context, name string) error {
	if err := mustOwn(ctx, name); err != nil {
		return err
	}
	if err := Docker().ContainerStop(ctx, name, container.StopOptions{Timeout: ptr.To(0)}); err != nil {
		return fmt.Errorf("stop container %s: %w", name, err)
	}
	return nil
}

// StartContainer starts the stopped container named name.
func StartContainer(ctx context.Context, name string) error {
	if err := mustOwn(ctx, name); err != nil {
		return err
	}
	if err := Docker().ContainerStart(ctx, name, container.StartOptions{}); err != nil {
		return fmt.Errorf("start container %s: %w", name, err)
	}
	return nil
}

// RemoveContainer removes the container id (one of the cluster's), running or not.
func RemoveContainer(ctx context.Context, id string) error {
	if err := mustOwn(ctx, id); err != nil {
		return err
	}
	if err := Docker().ContainerRemove(ctx, id, container.RemoveOptions{Force: true}); err != nil {
		return fmt.Errorf("remove container %s: %w", id, err)
	}
	return nil
}

// ContainerIP is the address of the cluster's container name on the
// cluster's network.
func ContainerIP(ctx context.Context, name string) (string, error) {
	in, err := Docker().ContainerInspect(ctx, name)
	if err != nil {
		return "", fmt.Errorf("inspect container %s: %w", name, err)
	}
	if in.Config.Labels[cluster.LabelCluster] != Cluster().Name {
		return "", fmt.Errorf("container %s is not cluster %s's", name, Cluster().Name)
	}
	ep, ok := in.NetworkSettings.Networks[Cluster().Network]
	if !ok || ep.IPAddress == "" {
		return "", fmt.Errorf("container %s has no address on network %s", name, Cluster().Network)
	}
	return ep.IPAddress, nil
}

// mustOwn refuses a container that does not carry the suite's cluster label.
func mustOwn(ctx context.Context, id string) error {
	in, err := Docker().ContainerInspect(ctx, id)
	if err != nil {
		return fmt.Errorf("inspect container %s: %w", id, err)
	}
	if in.Config.Labels[cluster.LabelCluster] != Cluster().Name {
		return fmt.Errorf("container %s is not cluster %s's: refusing to touch it", id, Cluster().Name)
	}
	return nil
}

func deleteNode(ctx context.Context, node string) error {
	err := Client().CoreV1().Nodes().Delete(ctx, node, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete node %s: %w", node, err)
	}
	return nil
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	default:
		return 1
	}
}

// RestartContainer restarts the container named name (one of the cluster's),
// giving it grace seconds to stop, as `docker restart` does.
func RestartContainer(ctx context.Context, name string, grace int) error {
	if err := mustOwn(ctx, name); err != nil {
		return err
	}
	if err := Docker().ContainerRestart(ctx, name, container.StopOptions{Timeout: ptr.To(grace)}); err != nil {
		return fmt.Errorf("restart container %s: %w", name, err)
	}
	return nil
}
