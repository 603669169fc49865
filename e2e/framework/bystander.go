package framework

import (
	"context"
	"fmt"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/ownkube/ownkube/components/images"
)

// BystanderLabel marks the container the suite keeps running beside its
// cluster, without the cluster's label: proof that neither the specs nor
// the teardown (cluster.Down, what `ownkube down` runs) touch anything
// that is not the cluster's. CI's cleanup removes it by this label if a
// run is killed before its teardown.
const BystanderLabel = "ownkube.io/e2e-bystander"

// bystander is the container started at bring-up: its ID and the moment
// it started, which must both be the same at teardown.
type bystander struct {
	ID, StartedAt string
}

// startBystander starts a pause container named like one of the cluster's
// (<cluster>-bystander, so a cleanup by name prefix would take it), with no
// cluster label, on no cluster network.
func startBystander(ctx context.Context, d *client.Client, clusterName string) (bystander, error) {
	image, err := images.Tag("pause", defaultImpl)
	if err != nil {
		return bystander{}, err
	}
	created, err := d.ContainerCreate(ctx,
		&container.Config{Image: image, Labels: map[string]string{BystanderLabel: clusterName}},
		&container.HostConfig{NetworkMode: "none"}, nil, nil, clusterName+"-bystander")
	if err != nil {
		return bystander{}, fmt.Errorf("create the bystander container: %w", err)
	}
	if err := d.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		return bystander{ID: created.ID}, fmt.Errorf("start the bystander container: %w", err)
	}
	info, err := d.ContainerInspect(ctx, created.ID)
	if err != nil {
		return bystander{ID: created.ID}, fmt.Errorf("inspect the bystander container: %w", err)
	}
	return bystander{ID: created.ID, StartedAt: info.State.StartedAt}, nil
}

// untouched says what happened to the bystander, or nil if it still runs
// as it was started: not stopped, restarted, renamed or removed.
func (b bystander) untouched(ctx context.Context, d *client.Client) error {
	info, err := d.ContainerInspect(ctx, b.ID)
	if err != nil {
		return fmt.Errorf("the bystander container %.12s, which has no cluster label, is gone: %w", b.ID, err)
	}
	if !info.State.Running || info.State.StartedAt != b.StartedAt {
		return fmt.Errorf("the bystander container %.12s, which has no cluster label, was touched: running %v, started at %s (first %s)",
			b.ID, info.State.Running, info.State.StartedAt, b.StartedAt)
	}
	return nil
}

// remove removes the bystander, even when ctx has ended.
func (b bystander) remove(ctx context.Context, d *client.Client) error {
	if b.ID == "" {
		return nil
	}
	rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := d.ContainerRemove(rmCtx, b.ID, container.RemoveOptions{Force: true}); err != nil && !client.IsErrNotFound(err) {
		return fmt.Errorf("remove the bystander container %.12s: %w", b.ID, err)
	}
	return nil
}
