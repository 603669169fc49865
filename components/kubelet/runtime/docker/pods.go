package docker

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// Pods lists the pods on this node, rebuilt from the labels of the
// containers of this cluster and node, in namespace/name order. Sandboxes
// are newest first; app containers are by name, newest attempt first.
// MissingImages is left for the caller to fill.
func (r *Runtime) Pods(ctx context.Context) ([]podstate.Pod, error) {
	list, err := r.docker.ContainerList(ctx, container.ListOptions{All: true, Filters: r.nodeFilter()})
	if err != nil {
		return nil, fmt.Errorf("list containers of node %s: %w", r.cfg.Node, err)
	}
	slices.SortFunc(list, newestFirst)
	pods := map[types.UID]*podstate.Pod{}
	for _, c := range list {
		if err := r.add(ctx, pods, c); err != nil {
			return nil, err
		}
	}
	r.cache.keepOnly(list)
	return sorted(pods), nil
}

// add adds container c to its pod in pods.
func (r *Runtime) add(ctx context.Context, pods map[types.UID]*podstate.Pod, c container.Summary) error {
	uid := types.UID(c.Labels[LabelPodUID])
	if c.Labels[cluster.LabelComponent] != ComponentPod || uid == "" {
		return nil // the node container itself, or something else of the node
	}
	p := pods[uid]
	if p == nil {
		p = &podstate.Pod{UID: uid, Namespace: c.Labels[LabelNamespace], Name: c.Labels[LabelPod]}
		pods[uid] = p
	}
	if c.Labels[LabelContainer] == SandboxName {
		p.Sandboxes = append(p.Sandboxes, r.sandbox(c))
		return nil
	}
	ctr, found, err := r.container(ctx, c)
	if err != nil || !found {
		return err
	}
	p.Containers = append(p.Containers, ctr)
	return nil
}

// sandbox is all from the list: a sandbox's exit code and times matter to
// no one.
func (r *Runtime) sandbox(c container.Summary) podstate.Sandbox {
	sb := podstate.Sandbox{ID: c.ID, State: stateOf(c.State), CreatedAt: time.Unix(c.Created, 0)}
	if c.NetworkSettings != nil && c.NetworkSettings.Networks[r.cfg.Network] != nil {
		sb.IP = c.NetworkSettings.Networks[r.cfg.Network].IPAddress
	}
	return sb
}

// container describes an app container. A created one is all in the list;
// a running or exited one needs its times and exit code from inspect, done
// once per container and state. found is false if it is gone meanwhile.
func (r *Runtime) container(ctx context.Context, c container.Summary) (ctr podstate.Container, found bool, err error) {
	state := stateOf(c.State)
	if state == podstate.Created {
		return podstate.Container{
			ID: c.ID, Name: c.Labels[LabelContainer], Image: c.Image, State: state,
			CreatedAt: time.Unix(c.Created, 0), RestartCount: attemptOf(c.Labels),
		}, true, nil
	}
	if ctr, ok := r.cache.get(c.ID, state); ok {
		return ctr, true, nil
	}
	in, err := r.docker.ContainerInspect(ctx, c.ID)
	if errdefs.IsNotFound(err) {
		return ctr, false, nil
	}
	if err != nil {
		return ctr, false, fmt.Errorf("inspect container %s of pod %s/%s: %w",
			c.Labels[LabelContainer], c.Labels[LabelNamespace], c.Labels[LabelPod], err)
	}
	ctr = fromInspect(in)
	r.cache.put(ctr)
	return ctr, true, nil
}

func fromInspect(in container.InspectResponse) podstate.Container {
	ctr := podstate.Container{
		ID:           in.ID,
		Name:         in.Config.Labels[LabelContainer],
		Image:        in.Config.Image,
		State:        stateOf(in.State.Status),
		CreatedAt:    parseTime(in.Created),
		StartedAt:    parseTime(in.State.StartedAt),
		RestartCount: attemptOf(in.Config.Labels),
	}
	if ctr.State == podstate.Exited {
		ctr.ExitCode = in.State.ExitCode
		ctr.Reason = exitReason(in.State)
		// Docker may record the end of a process that exits at once a
		// moment before its start; an end is never before its start here.
		ctr.FinishedAt = latest(parseTime(in.State.FinishedAt), ctr.StartedAt)
	}
	return ctr
}

func exitReason(s *container.State) string {
	switch {
	case s.OOMKilled:
		return "OOMKilled"
	case s.ExitCode == 0:
		return "Completed"
	default:
		return "Error"
	}
}

// stateOf maps Docker's states onto the runtime's three.
func stateOf(s container.ContainerState) podstate.State {
	switch s {
	case container.StateCreated:
		return podstate.Created
	case container.StateExited, container.StateDead, container.StateRemoving:
		return podstate.Exited
	default: // running, paused, restarting
		return podstate.Running
	}
}

// parseTime parses Docker's RFC 3339 times; Docker's "never"
// (0001-01-01T00:00:00Z) and anything unparsable give the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.IsZero() {
		return time.Time{}
	}
	return t
}

func latest(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// newestFirst orders containers by attempt, then creation, newest first.
func newestFirst(a, b container.Summary) int {
	return cmp.Or(cmp.Compare(attemptOf(b.Labels), attemptOf(a.Labels)), cmp.Compare(b.Created, a.Created))
}

func sorted(pods map[types.UID]*podstate.Pod) []podstate.Pod {
	out := make([]podstate.Pod, 0, len(pods))
	for _, p := range pods {
		slices.SortStableFunc(p.Containers, func(a, b podstate.Container) int {
			return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(b.RestartCount, a.RestartCount), b.CreatedAt.Compare(a.CreatedAt))
		})
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b podstate.Pod) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name), cmp.Compare(a.UID, b.UID))
	})
	return out
}

// inspectCache remembers what inspect said of a container in a state: a
// running container's start time and an exited one's exit code never
// change, so each is inspected once per state it is seen in.
type inspectCache struct {
	mu   sync.Mutex
	byID map[string]podstate.Container
}

func newInspectCache() inspectCache {
	return inspectCache{byID: map[string]podstate.Container{}}
}

func (c *inspectCache) get(id string, state podstate.State) (podstate.Container, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ctr, ok := c.byID[id]
	return ctr, ok && ctr.State == state
}

func (c *inspectCache) put(ctr podstate.Container) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byID[ctr.ID] = ctr
}

// keepOnly forgets the containers that are no longer listed.
func (c *inspectCache) keepOnly(list []container.Summary) {
	listed := make(map[string]bool, len(list))
	for _, s := range list {
		listed[s.ID] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range c.byID {
		if !listed[id] {
			delete(c.byID, id)
		}
	}
}
