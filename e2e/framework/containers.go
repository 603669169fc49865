package framework

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/pkg/stdcopy"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/images"
)

// probeComponent is the ownkube.io/component label of the suite's probe
// containers; they carry the cluster's label too, so Down removes any that
// outlive their spec.
const probeComponent = "e2e-probe"

// probeRemoveTimeout bounds removing a probe container, which is done even
// when the caller's context has ended.
const probeRemoveTimeout = 30 * time.Second

// Probe runs the ownkube/probe image once, with args (`http <url> [-expect
// 200] [-retries N -interval 500ms]` or `tcp host:port`), in a container on
// the cluster's network, and returns what it printed on stdout and its exit
// code: 0 when it got the answer expected, 1 when not, 2 on bad usage.
// Traffic to pods is checked from inside the cluster network, never from
// the host, which may not route to container addresses. err is for what
// kept the probe from running to its end (Docker, or ctx ending); the
// container is removed in any case. Its stderr goes to GinkgoWriter.
func Probe(ctx context.Context, args ...string) (stdout string, exitCode int, err error) {
	c := Cluster()
	image, err := images.Tag("probe", defaultImpl)
	if err != nil {
		return "", 0, err
	}
	d := Docker()
	created, err := d.ContainerCreate(ctx,
		&container.Config{Image: image, Cmd: args, Labels: cluster.Labels(c.Name, probeComponent)},
		&container.HostConfig{NetworkMode: container.NetworkMode(c.Network)},
		&network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{c.Network: {}}},
		nil, c.Name+"-probe-"+randomSuffix())
	if err != nil {
		return "", 0, fmt.Errorf("create a probe container on network %s: %w", c.Network, err)
	}
	defer func() {
		rmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), probeRemoveTimeout)
		defer cancel()
		if rmErr := d.ContainerRemove(rmCtx, created.ID, container.RemoveOptions{Force: true}); rmErr != nil && err == nil {
			err = fmt.Errorf("remove probe container %.12s: %w", created.ID, rmErr)
		}
	}()
	if err := d.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		return "", 0, fmt.Errorf("start probe container %.12s: %w", created.ID, err)
	}
	exitCode, err = waitExit(ctx, created.ID)
	if err != nil {
		return "", 0, err
	}
	stdout, stderr, err := containerOutput(ctx, created.ID)
	if err != nil {
		return "", 0, err
	}
	fmt.Fprintf(GinkgoWriter, "probe %s: exit code %d\n", strings.Join(args, " "), exitCode)
	if stderr != "" {
		fmt.Fprintf(GinkgoWriter, "probe stderr:\n%s", stderr)
	}
	return stdout, exitCode, nil
}

// waitExit waits until container id has exited and returns its exit code.
func waitExit(ctx context.Context, id string) (int, error) {
	statusCh, errCh := Docker().ContainerWait(ctx, id, container.WaitConditionNotRunning)
	select {
	case st := <-statusCh:
		if st.Error != nil {
			return 0, fmt.Errorf("wait for container %.12s: %s", id, st.Error.Message)
		}
		return int(st.StatusCode), nil
	case err := <-errCh:
		return 0, fmt.Errorf("wait for container %.12s: %w", id, err)
	}
}

// containerOutput reads everything container id wrote, stdout and stderr apart.
func containerOutput(ctx context.Context, id string) (stdout, stderr string, err error) {
	rc, err := Docker().ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "", "", fmt.Errorf("read the output of container %.12s: %w", id, err)
	}
	defer rc.Close()
	var out, errOut bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &errOut, rc); err != nil {
		return "", "", fmt.Errorf("read the output of container %.12s: %w", id, err)
	}
	return out.String(), errOut.String(), nil
}

// PodContainers lists every container, running or not, that the kubelets
// of the suite's cluster hold for the pod with this UID: its pause
// container (label ownkube.io/container=POD) and each attempt of its app
// containers. Only containers labelled with the cluster are considered.
func PodContainers(ctx context.Context, podUID types.UID) ([]container.Summary, error) {
	f := cluster.ClusterFilter(Cluster().Name)
	f.Add("label", cluster.LabelPodUID+"="+string(podUID))
	list, err := Docker().ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list the containers of pod UID %s: %w", podUID, err)
	}
	return list, nil
}

// ContainerName is the pod's container name a container carries in its
// labels (ownkube.io/container); SandboxName for a pause container.
func ContainerName(c container.Summary) string { return c.Labels[cluster.LabelContainer] }

// SandboxName is ContainerName of a pod's pause container.
const SandboxName = cluster.SandboxName

// NodeContainer returns the container of the suite's cluster that runs
// node's kubelet.
func NodeContainer(ctx context.Context, node string) (container.Summary, error) {
	f := filters.NewArgs(
		filters.Arg("label", cluster.LabelCluster+"="+Cluster().Name),
		filters.Arg("label", cluster.LabelComponent+"="+cluster.Node),
		filters.Arg("label", cluster.LabelNode+"="+node),
	)
	list, err := Docker().ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return container.Summary{}, fmt.Errorf("list the container of node %s: %w", node, err)
	}
	if len(list) != 1 {
		return container.Summary{}, fmt.Errorf("node %s: want one container labelled with it, found %d", node, len(list))
	}
	return list[0], nil
}

// AppEnv waits for pod's app container to run and returns its environment,
// read from Docker: what the kubelet gave the container.
func AppEnv(ctx context.Context, ns string, pod *corev1.Pod) []string {
	GinkgoHelper()
	WaitForPod(ctx, ns, pod.Name, PodStartTimeout, "Running", func(g Gomega, p *corev1.Pod) {
		g.Expect(p.Status.Phase).To(Equal(corev1.PodRunning), DescribePod(p))
	})
	containers, err := PodContainers(ctx, pod.UID)
	Expect(err).NotTo(HaveOccurred())
	for _, c := range containers {
		if ContainerName(c) != "app" {
			continue
		}
		in, err := Docker().ContainerInspect(ctx, c.ID)
		Expect(err).NotTo(HaveOccurred(), "inspect the app container of pod %s", pod.Name)
		return in.Config.Env
	}
	var names []string
	for _, c := range containers {
		names = append(names, ContainerName(c))
	}
	Fail(fmt.Sprintf("pod %s runs but has no app container: %s", pod.Name, strings.Join(names, ", ")))
	return nil
}
