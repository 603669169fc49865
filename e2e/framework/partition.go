package framework

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/errdefs"
	. "github.com/onsi/ginkgo/v2"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/images"
)

// placeholderComponent labels the container that keeps a partitioned
// node's address.
const placeholderComponent = "e2e-placeholder"

// Partition cuts node's container off the cluster network, as a node
// whose link failed: its kubelet can no longer reach the API server, while
// its pods' containers, on the same engine, run on. A pause container
// takes the node's address meanwhile, since Docker would hand it to the
// next pod; the returned heal removes it and connects the node again at
// that address, so the node's InternalIP and its pods' hostIP stay true.
func Partition(ctx context.Context, node string) (heal func(context.Context) error, err error) {
	ctr, err := NodeContainer(ctx, node)
	if err != nil {
		return nil, err
	}
	net := Cluster().Network
	in, err := Docker().ContainerInspect(ctx, ctr.ID)
	if err != nil {
		return nil, fmt.Errorf("inspect the container of node %s: %w", node, err)
	}
	ep, ok := in.NetworkSettings.Networks[net]
	if !ok {
		return nil, fmt.Errorf("node %s is not on network %s", node, net)
	}
	addr := ep.IPAddress
	if err := Docker().NetworkDisconnect(ctx, net, ctr.ID, true); err != nil {
		return nil, fmt.Errorf("disconnect node %s from %s: %w", node, net, err)
	}
	placeholder, holdErr := holdAddress(ctx, addr)
	fmt.Fprintf(GinkgoWriter, "partitioned node %s (%s) from network %s\n", node, addr, net)
	healed := false
	heal = func(ctx context.Context) error {
		if healed {
			return nil
		}
		if placeholder != "" {
			if err := Docker().ContainerRemove(ctx, placeholder, container.RemoveOptions{Force: true}); err != nil && !errdefs.IsNotFound(err) {
				return fmt.Errorf("remove the placeholder of %s: %w", addr, err)
			}
			placeholder = ""
		}
		if err := connectAt(ctx, ctr.ID, addr); err != nil {
			// Whatever the spec finds, the cluster must be whole for the
			// next one: anywhere on the network, and a restart so the
			// kubelet takes its new address.
			healed = true
			return errors.Join(fmt.Errorf("connect node %s to %s again at %s: %w", node, net, addr, err), rejoin(ctx, ctr.ID))
		}
		healed = true
		fmt.Fprintf(GinkgoWriter, "healed the partition of node %s (%s)\n", node, addr)
		return nil
	}
	if holdErr != nil {
		return heal, fmt.Errorf("keep node %s's address %s while it is cut off: %w", node, addr, holdErr)
	}
	return heal, nil
}

// holdAddress starts a pause container at addr on the cluster network and
// returns its ID.
func holdAddress(ctx context.Context, addr string) (string, error) {
	c := Cluster()
	image, err := images.Tag("pause", defaultImpl)
	if err != nil {
		return "", err
	}
	created, err := Docker().ContainerCreate(ctx,
		&container.Config{Image: image, Labels: cluster.Labels(c.Name, placeholderComponent)},
		&container.HostConfig{NetworkMode: container.NetworkMode(c.Network)},
		&network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			c.Network: {IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: addr}}}},
		nil, c.Name+"-placeholder-"+randomSuffix())
	if err != nil {
		return "", fmt.Errorf("create a placeholder container: %w", err)
	}
	if err := Docker().ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		_ = Docker().ContainerRemove(context.WithoutCancel(ctx), created.ID, container.RemoveOptions{Force: true})
		return "", fmt.Errorf("start a placeholder container at %s: %w", addr, err)
	}
	return created.ID, nil
}

// connectAt connects container id to the cluster network at addr, trying
// again for a moment while Docker still counts the address as taken.
func connectAt(ctx context.Context, id, addr string) error {
	var err error
	for range 10 {
		err = Docker().NetworkConnect(ctx, Cluster().Network, id, &network.EndpointSettings{
			IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: addr}})
		if err == nil || !errdefs.IsForbidden(err) && !errdefs.IsConflict(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(300 * time.Millisecond):
		}
	}
	return err
}

// rejoin connects container id to the cluster network at any address and
// restarts it.
func rejoin(ctx context.Context, id string) error {
	if err := Docker().NetworkConnect(ctx, Cluster().Network, id, &network.EndpointSettings{}); err != nil {
		return fmt.Errorf("connect at any address: %w", err)
	}
	if err := Docker().ContainerRestart(ctx, id, container.StopOptions{}); err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	return nil
}
