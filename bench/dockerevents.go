package main

import (
	"context"
	"fmt"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"

	"github.com/ownkube/ownkube/components/cluster"
)

// containerEvents records, from Docker's event stream, when the kubelets
// had the containers of a namespace's pods created and started: the marks
// that split a kubelet's share of a pod's startup into what it does before
// asking Docker, what Docker does, and what follows.
type containerEvents struct {
	// sandboxCreated and appStarted are, per pod, when its pause container
	// was created and its (first) app container started.
	sandboxCreated, appStarted *sightings
	done                       chan struct{}
	err                        error // why the stream ended early; read after done
}

// watchContainerEvents follows Docker's events about the containers of the
// pods in namespace ns of cluster name until ctx ends.
func watchContainerEvents(ctx context.Context, name, ns string) (*containerEvents, error) {
	docker, err := cluster.Docker(ctx)
	if err != nil {
		return nil, err
	}
	f := filters.NewArgs(filters.Arg("type", string(events.ContainerEventType)))
	f.Add("label", cluster.LabelCluster+"="+name)
	f.Add("label", cluster.LabelNamespace+"="+ns)
	msgs, errs := docker.Events(ctx, events.ListOptions{Filters: f})
	ce := &containerEvents{sandboxCreated: newSightings(), appStarted: newSightings(), done: make(chan struct{})}
	go func() {
		defer close(ce.done)
		defer docker.Close()
		for {
			select {
			case m := <-msgs:
				ce.record(m)
			case err := <-errs:
				if ctx.Err() == nil {
					ce.err = fmt.Errorf("docker events: %w", err)
				}
				return
			}
		}
	}()
	return ce, nil
}

func (ce *containerEvents) record(m events.Message) {
	at := time.Unix(0, m.TimeNano)
	pod, container := m.Actor.Attributes[cluster.LabelPod], m.Actor.Attributes[cluster.LabelContainer]
	switch {
	case m.Action == events.ActionCreate && container == cluster.SandboxName:
		ce.sandboxCreated.see(pod, at)
	case m.Action == events.ActionStart && container != cluster.SandboxName:
		ce.appStarted.see(pod, at)
	}
}

// wait waits for the stream to end once ctx has.
func (ce *containerEvents) wait() error {
	<-ce.done
	return ce.err
}
