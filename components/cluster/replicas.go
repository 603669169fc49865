package cluster

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
)

// AddNode starts node i (from 1; one past the nodes Up started, say) of the
// running cluster that cfg, as given to Up, brought up, and returns its
// name once its kubelet runs. Down removes it with everything else.
func AddNode(ctx context.Context, cfg Config, i int) (string, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return "", err
	}
	if i < 1 || i > maxNodes {
		return "", fmt.Errorf("node %d: choose between 1 and %d", i, maxNodes)
	}
	setTestcontainersEnv()
	plan, err := runningPlan(ctx, cfg.Name)
	if err != nil {
		return "", err
	}
	if err := startNode(ctx, cfg, plan, i); err != nil {
		return "", err
	}
	return nodeName(cfg.Name, i), nil
}

// runningPlan is what a node joining the running cluster name needs of its
// address plan: where the cluster DNS is, if it runs.
func runningPlan(ctx context.Context, name string) (addressPlan, error) {
	docker, err := Docker(ctx)
	if err != nil {
		return addressPlan{}, err
	}
	defer docker.Close()
	c, err := get(ctx, docker, name)
	if err != nil {
		return addressPlan{}, fmt.Errorf("add a node to cluster %s: %w", name, err)
	}
	var plan addressPlan
	if c.DNS != "" {
		if plan.DNS, err = netip.ParseAddr(c.DNS); err != nil {
			return addressPlan{}, fmt.Errorf("cluster %s: its DNS address %q: %w", name, c.DNS, err)
		}
	}
	return plan, nil
}

// StartReplica starts one more container of component (Scheduler or
// ControllerManager, the components that elect a leader) in the running
// cluster that cfg brought up, named <cluster>-<component>-<replica>, and
// returns that name once it answers ready. Down removes it with
// everything else.
func StartReplica(ctx context.Context, cfg Config, component, replica string) (string, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return "", err
	}
	if !slices.Contains([]string{Scheduler, ControllerManager}, component) {
		return "", fmt.Errorf("cluster: only the %s and the %s run as replicas, not %q", Scheduler, ControllerManager, component)
	}
	if !validName.MatchString(replica) {
		return "", fmt.Errorf("cluster: replica name %q is not valid: use lower-case letters, digits and '-'", replica)
	}
	comp, err := lookupComponent(component)
	if err != nil {
		return "", err
	}
	setTestcontainersEnv()
	docker, err := Docker(ctx)
	if err != nil {
		return "", err
	}
	defer docker.Close()
	name := containerName(cfg.Name, component+"-"+replica)
	if _, err := startComponent(ctx, docker, cfg, addressPlan{}, comp, name); err != nil {
		return "", err
	}
	return name, nil
}

// ContainerName is the Docker name of component's container in cluster.
func ContainerName(cluster, component string) string { return containerName(cluster, component) }

// NodeName is the name of node i (from 1) of cluster, as it registers.
func NodeName(cluster string, i int) string { return nodeName(cluster, i) }
