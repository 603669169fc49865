package cluster

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
)

// createNetwork creates the cluster's bridge network with a subnet no other
// network uses. Two clusters coming up at once may pick the same subnet; the
// engine refuses the second, which then tries the next one.
func createNetwork(ctx context.Context, docker *client.Client, name string, components []string) (addressPlan, error) {
	var tried []netip.Prefix
	for attempt := 0; attempt < 8; attempt++ {
		used, err := usedPrefixes(ctx, docker)
		if err != nil {
			return addressPlan{}, err
		}
		plan, err := pickSubnet(append(used, tried...))
		if err != nil {
			return addressPlan{}, err
		}
		labels := Labels(name, "network")
		labels[labelServiceCIDR] = plan.ServiceCIDR.String()
		labels[labelComponents] = strings.Join(components, ",")
		_, err = docker.NetworkCreate(ctx, networkName(name), network.CreateOptions{
			Driver: "bridge",
			Labels: labels,
			IPAM: &network.IPAM{
				Driver: "default",
				Config: []network.IPAMConfig{{
					Subnet:  plan.Subnet.String(),
					IPRange: plan.IPRange.String(),
					Gateway: plan.Gateway.String(),
				}},
			},
		})
		switch {
		case err == nil:
			return plan, nil
		case isPoolOverlap(err):
			tried = append(tried, plan.Subnet)
		case errdefs.IsConflict(err):
			return addressPlan{}, fmt.Errorf("a network named %s was created meanwhile: is another `ownkube up --name %s` running?", networkName(name), name)
		default:
			return addressPlan{}, fmt.Errorf("create network %s (%s): %w", networkName(name), plan, err)
		}
	}
	return addressPlan{}, fmt.Errorf("create network %s: every subnet tried was taken meanwhile: %v", networkName(name), tried)
}

// isPoolOverlap reports the engine's refusal of a subnet another network
// holds ("Pool overlaps with other one on this address space").
func isPoolOverlap(err error) bool {
	return strings.Contains(strings.ToLower(err.Error()), "overlaps")
}

// usedPrefixes are the subnets of every Docker network and of the host's
// own interfaces (as seen from here), which a cluster subnet must not shadow.
func usedPrefixes(ctx context.Context, docker *client.Client) ([]netip.Prefix, error) {
	nets, err := docker.NetworkList(ctx, network.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	var subnets []string
	for _, n := range nets {
		for _, c := range n.IPAM.Config {
			subnets = append(subnets, c.Subnet)
		}
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			subnets = append(subnets, a.String())
		}
	}
	return parsePrefixes(subnets), nil
}
