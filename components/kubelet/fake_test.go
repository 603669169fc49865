package kubelet_test

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/kubelet"
	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// fakeRuntime keeps containers in memory: the kubelet's loop can be tested
// against a real API server without Docker.
type fakeRuntime struct {
	mu         sync.Mutex
	next       int
	sandboxes  map[string]*fakeSandbox
	containers map[string]*fakeContainer
	missing    map[string]bool
	// sandboxIP, when set, is every sandbox's IP: a test serves a pod's
	// ports there.
	sandboxIP string
	// stopDelay is how long a stop takes, as a real container's does.
	stopDelay time.Duration
}

type fakeSandbox struct {
	pod *corev1.Pod
	sb  podstate.Sandbox
}

type fakeContainer struct {
	pod *corev1.Pod
	c   podstate.Container
	env []corev1.EnvVar
}

var _ kubelet.Runtime = (*fakeRuntime)(nil)

func newFakeRuntime() *fakeRuntime {
	return &fakeRuntime{sandboxes: map[string]*fakeSandbox{}, containers: map[string]*fakeContainer{}, missing: map[string]bool{}}
}

func (f *fakeRuntime) id(prefix string) string {
	f.next++
	return fmt.Sprintf("%s%04d", prefix, f.next)
}

func (f *fakeRuntime) Pods(context.Context) ([]podstate.Pod, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	pods := map[string]*podstate.Pod{}
	get := func(p *corev1.Pod) *podstate.Pod {
		if pods[string(p.UID)] == nil {
			pods[string(p.UID)] = &podstate.Pod{UID: p.UID, Namespace: p.Namespace, Name: p.Name}
		}
		return pods[string(p.UID)]
	}
	for _, s := range f.sandboxes {
		rp := get(s.pod)
		rp.Sandboxes = append(rp.Sandboxes, s.sb)
	}
	for _, c := range f.containers {
		rp := get(c.pod)
		rp.Containers = append(rp.Containers, c.c)
	}
	var out []podstate.Pod
	for _, rp := range pods {
		sort.Slice(rp.Sandboxes, func(i, j int) bool { return rp.Sandboxes[i].ID > rp.Sandboxes[j].ID })
		sort.Slice(rp.Containers, func(i, j int) bool { return rp.Containers[i].ID > rp.Containers[j].ID })
		out = append(out, *rp)
	}
	return out, nil
}

func (f *fakeRuntime) RunSandbox(_ context.Context, pod *corev1.Pod) (podstate.Sandbox, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sb := podstate.Sandbox{ID: f.id("sb"), IP: cmp.Or(f.sandboxIP, fmt.Sprintf("10.0.0.%d", f.next)), State: podstate.Running, CreatedAt: time.Now()}
	f.sandboxes[sb.ID] = &fakeSandbox{pod: pod.DeepCopy(), sb: sb}
	return sb, nil
}

func (f *fakeRuntime) StartContainer(_ context.Context, pod *corev1.Pod, _ podstate.Sandbox, c *corev1.Container, env []corev1.EnvVar, restarts int) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.id("c")
	now := time.Now()
	f.containers[id] = &fakeContainer{pod: pod.DeepCopy(), env: env, c: podstate.Container{ID: id, Name: c.Name, Image: c.Image,
		State: podstate.Running, StartedAt: now, CreatedAt: now, RestartCount: restarts}}
	return id, nil
}

func (f *fakeRuntime) StopContainer(_ context.Context, id string, _ time.Duration) error {
	f.mu.Lock()
	delay := f.stopDelay
	f.mu.Unlock()
	time.Sleep(delay)
	f.exit(id, 137)
	return nil
}

func (f *fakeRuntime) RemoveContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.containers, id)
	delete(f.sandboxes, id)
	return nil
}

func (f *fakeRuntime) ImagePresent(_ context.Context, image string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.missing[image], nil
}

func (f *fakeRuntime) Logs(_ context.Context, id string, _ kubelet.LogOptions, w io.Writer) error {
	_, err := fmt.Fprintf(w, "log of %s\n", id)
	return err
}

// exit ends a container (or stops a sandbox) with a code, as if its process ended.
func (f *fakeRuntime) exit(id string, code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.containers[id]; c != nil && c.c.State == podstate.Running {
		c.c.State, c.c.ExitCode, c.c.FinishedAt = podstate.Exited, code, time.Now()
		c.c.Reason = "Error"
		if code == 0 {
			c.c.Reason = "Completed"
		}
	}
	if s := f.sandboxes[id]; s != nil {
		s.sb.State = podstate.Exited
	}
}

// running returns the IDs of the running app containers of a pod's container.
func (f *fakeRuntime) running(podName, container string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for id, c := range f.containers {
		if c.pod.Name == podName && c.c.Name == container && c.c.State == podstate.Running {
			ids = append(ids, id)
		}
	}
	return ids
}

func (f *fakeRuntime) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.containers) + len(f.sandboxes)
}

func (f *fakeRuntime) envOf(podName string) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]string{}
	for _, c := range f.containers {
		if c.pod.Name == podName {
			for _, e := range c.env {
				out[e.Name] = e.Value
			}
		}
	}
	return out
}

// ids lists every container and sandbox with its state, sorted.
func (f *fakeRuntime) ids() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []string
	for id, c := range f.containers {
		all = append(all, id+"="+string(c.c.State))
	}
	for id, s := range f.sandboxes {
		all = append(all, id+"="+string(s.sb.State))
	}
	sort.Strings(all)
	return fmt.Sprint(all)
}
