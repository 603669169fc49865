package docker

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// RunSandbox creates and starts the pod's pause container on the cluster
// network and returns it with its IP, the pod's IP. Its attempt is one more
// than that of the pod's newest sandbox on this node.
func (r *Runtime) RunSandbox(ctx context.Context, pod *corev1.Pod) (podstate.Sandbox, error) {
	attempt, err := r.nextSandboxAttempt(ctx, pod)
	if err != nil {
		return podstate.Sandbox{}, fmt.Errorf("run sandbox of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	config := &container.Config{
		Image:    r.cfg.PauseImage,
		Hostname: hostname(pod.Name),
		Labels:   r.labels(pod, SandboxName, attempt),
	}
	host := &container.HostConfig{
		NetworkMode:   container.NetworkMode(r.cfg.Network),
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyDisabled},
	}
	if r.cfg.DNS != nil {
		dns := r.cfg.DNS(pod)
		host.DNS, host.DNSSearch, host.DNSOptions = dns.Servers, dns.Searches, dns.Options
	}
	net := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{r.cfg.Network: {}}}
	id, err := r.createAndStart(ctx, containerName(pod, SandboxName, attempt), config, host, net)
	if err != nil {
		return podstate.Sandbox{}, fmt.Errorf("run sandbox of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return r.startedSandbox(ctx, pod, id)
}

// nextSandboxAttempt is one more than the newest attempt among the pod's
// sandboxes on this node, 0 if it has none.
func (r *Runtime) nextSandboxAttempt(ctx context.Context, pod *corev1.Pod) (int, error) {
	f := r.nodeFilter()
	f.Add("label", LabelPodUID+"="+string(pod.UID))
	f.Add("label", LabelContainer+"="+SandboxName)
	list, err := r.docker.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list sandboxes: %w", err)
	}
	next := 0
	for _, c := range list {
		next = max(next, attemptOf(c.Labels)+1)
	}
	return next, nil
}

// startedSandbox reads back the sandbox's IP and creation time; a sandbox
// without an IP is of no use and is removed.
func (r *Runtime) startedSandbox(ctx context.Context, pod *corev1.Pod, id string) (podstate.Sandbox, error) {
	in, err := r.docker.ContainerInspect(ctx, id)
	if err != nil {
		return podstate.Sandbox{}, fmt.Errorf("inspect sandbox %.12s of pod %s/%s: %w", id, pod.Namespace, pod.Name, err)
	}
	sb := podstate.Sandbox{ID: id, State: podstate.Running, CreatedAt: parseTime(in.Created)}
	if in.NetworkSettings != nil && in.NetworkSettings.Networks[r.cfg.Network] != nil {
		sb.IP = in.NetworkSettings.Networks[r.cfg.Network].IPAddress
	}
	if sb.IP == "" {
		r.removeAfterFailure(ctx, id)
		return podstate.Sandbox{}, fmt.Errorf("sandbox %.12s of pod %s/%s has no IP on network %s", id, pod.Namespace, pod.Name, r.cfg.Network)
	}
	return sb, nil
}

// StartContainer creates and starts attempt restartCount of c in the
// sandbox's network namespace. Command and Args replace the image's
// entrypoint and command only when set. A container that fails to start is
// removed, and the daemon's message returned.
func (r *Runtime) StartContainer(ctx context.Context, pod *corev1.Pod, sandbox podstate.Sandbox, c *corev1.Container, env []corev1.EnvVar, restartCount int) (string, error) {
	config := &container.Config{
		Image:      c.Image,
		WorkingDir: c.WorkingDir,
		Env:        envList(env),
		Labels:     r.labels(pod, c.Name, restartCount),
	}
	if len(c.Command) > 0 {
		config.Entrypoint = c.Command
	}
	if len(c.Args) > 0 {
		config.Cmd = c.Args
	}
	host := &container.HostConfig{
		NetworkMode:   container.NetworkMode("container:" + sandbox.ID),
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyDisabled},
	}
	id, err := r.createAndStart(ctx, containerName(pod, c.Name, restartCount), config, host, nil)
	if err != nil {
		return "", fmt.Errorf("start container %s of pod %s/%s: %w", c.Name, pod.Namespace, pod.Name, err)
	}
	return id, nil
}

func envList(env []corev1.EnvVar) []string {
	list := make([]string, 0, len(env))
	for _, e := range env {
		list = append(list, e.Name+"="+e.Value)
	}
	return list
}

// createAndStart creates the container called name and starts it,
// removing it again if it does not start.
func (r *Runtime) createAndStart(ctx context.Context, name string, config *container.Config, host *container.HostConfig, net *network.NetworkingConfig) (string, error) {
	id, err := r.create(ctx, name, config, host, net)
	if err != nil {
		return "", err
	}
	if err := r.docker.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		r.removeAfterFailure(ctx, id)
		return "", fmt.Errorf("start %s: %w", name, err)
	}
	return id, nil
}

// create creates the container called name. A leftover holding the name
// (say, of a kubelet that died between create and start) is removed first
// if it is ours; if it is not, create fails.
func (r *Runtime) create(ctx context.Context, name string, config *container.Config, host *container.HostConfig, net *network.NetworkingConfig) (string, error) {
	resp, err := r.docker.ContainerCreate(ctx, config, host, net, nil, name)
	if errdefs.IsConflict(err) {
		if err := r.removeLeftover(ctx, name); err != nil {
			return "", err
		}
		resp, err = r.docker.ContainerCreate(ctx, config, host, net, nil, name)
	}
	if err != nil {
		return "", fmt.Errorf("create %s: %w", name, err)
	}
	return resp.ID, nil
}

func (r *Runtime) removeLeftover(ctx context.Context, name string) error {
	in, err := r.docker.ContainerInspect(ctx, name)
	if err != nil {
		return fmt.Errorf("inspect %s, whose name is taken: %w", name, err)
	}
	if in.Config == nil || in.Config.Labels[cluster.LabelCluster] != r.cfg.Cluster {
		return fmt.Errorf("create %s: the name is taken by container %.12s, which is not of cluster %s", name, in.ID, r.cfg.Cluster)
	}
	return r.remove(ctx, in.ID)
}

// removeAfterFailure removes a container that failed to start, even if ctx
// has just ended, so that no half-made container is left behind.
func (r *Runtime) removeAfterFailure(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_ = r.remove(ctx, id) // the start's error is the one to report; Pods shows a leftover
}

// labels are the labels of attempt of the pod's container called name.
func (r *Runtime) labels(pod *corev1.Pod, name string, attempt int) map[string]string {
	l := cluster.Labels(r.cfg.Cluster, ComponentPod)
	l[LabelNode] = r.cfg.Node
	l[LabelNamespace] = pod.Namespace
	l[LabelPod] = pod.Name
	l[LabelPodUID] = string(pod.UID)
	l[LabelContainer] = name
	l[LabelRestartCount] = strconv.Itoa(attempt)
	return l
}

// nodeFilter selects, in Docker list calls, the containers of this node.
func (r *Runtime) nodeFilter() filters.Args {
	f := cluster.ClusterFilter(r.cfg.Cluster)
	f.Add("label", LabelNode+"="+r.cfg.Node)
	return f
}

// containerName is dockershim's: k8s_<container>_<pod>_<ns>_<uid>_<attempt>.
func containerName(pod *corev1.Pod, name string, attempt int) string {
	return strings.Join([]string{"k8s", name, pod.Name, pod.Namespace, string(pod.UID), strconv.Itoa(attempt)}, "_")
}

// hostname is the pod name cut to a DNS label's 63 characters.
func hostname(podName string) string {
	if len(podName) <= 63 {
		return podName
	}
	return strings.TrimRight(podName[:63], "-.")
}

func attemptOf(labels map[string]string) int {
	n, _ := strconv.Atoi(labels[LabelRestartCount]) // a missing or bad label counts as 0
	return n
}
