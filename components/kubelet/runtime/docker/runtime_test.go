package docker

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/kubelet"
	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

func TestNewRequiresClusterNodeAndNetwork(t *testing.T) {
	for _, cfg := range []Config{
		{Node: "n", Network: "net"},
		{Cluster: "c", Network: "net"},
		{Cluster: "c", Node: "n"},
	} {
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "is required") {
			t.Errorf("New(%+v) = %v, want a missing-field error", cfg, err)
		}
	}
}

func TestRunSandboxAndStartContainer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pod := e.pod("web")
	sb := e.sandbox(pod)

	subnet := netip.MustParsePrefix(e.subnet)
	if ip, err := netip.ParseAddr(sb.IP); err != nil || !subnet.Contains(ip) {
		t.Errorf("sandbox IP %q is not in the network's subnet %s", sb.IP, subnet)
	}
	in, err := e.docker.ContainerInspect(e.ctx, sb.ID)
	if err != nil {
		t.Fatal(err)
	}
	if in.Config.Hostname != "web" || !slices.Equal(in.HostConfig.DNSSearch, []string{"default.svc.cluster.local", "svc.cluster.local", "cluster.local"}) ||
		!slices.Equal(in.HostConfig.DNS, []string{"10.0.0.10"}) || !slices.Equal(in.HostConfig.DNSOptions, []string{"ndots:5"}) {
		t.Errorf("sandbox hostname %q, DNS %v, search %v, options %v", in.Config.Hostname, in.HostConfig.DNS, in.HostConfig.DNSSearch, in.HostConfig.DNSOptions)
	}
	if want := "/k8s_POD_web_default_" + string(pod.UID) + "_0"; in.Name != want {
		t.Errorf("sandbox name %s, want %s", in.Name, want)
	}

	app := &corev1.Container{Name: "app", Image: testImage, WorkingDir: "/work"}
	start := time.Now()
	id, err := e.rt.StartContainer(e.ctx, pod, sb, app, []corev1.EnvVar{{Name: "GREETING", Value: "hello"}}, 0)
	if err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	t.Logf("StartContainer took %d ms", time.Since(start).Milliseconds())
	in, err = e.docker.ContainerInspect(e.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if want := container.NetworkMode("container:" + sb.ID); in.HostConfig.NetworkMode != want {
		t.Errorf("app NetworkMode %s, want %s", in.HostConfig.NetworkMode, want)
	}
	wantLabels := map[string]string{
		cluster.LabelCluster: e.cluster(), cluster.LabelComponent: "pod", LabelNode: "node-1",
		LabelNamespace: "default", LabelPod: "web", LabelPodUID: string(pod.UID),
		LabelContainer: "app", LabelRestartCount: "0",
	}
	for k, v := range wantLabels {
		if in.Config.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, in.Config.Labels[k], v)
		}
	}

	pods := e.pods()
	if len(pods) != 1 || pods[0].UID != pod.UID || pods[0].Name != "web" || pods[0].Namespace != "default" {
		t.Fatalf("Pods = %+v, want the one pod web", pods)
	}
	p := pods[0]
	if s := p.Sandbox(); s == nil || s.ID != sb.ID || s.IP != sb.IP || s.State != podstate.Running {
		t.Errorf("sandbox = %+v, want running %s with IP %s", s, sb.ID, sb.IP)
	}
	c := p.Latest("app")
	if c == nil || c.ID != id || c.State != podstate.Running || c.StartedAt.IsZero() || c.Image != testImage || c.RestartCount != 0 {
		t.Fatalf("container app = %+v, want running %s", c, id)
	}

	var logs bytes.Buffer
	followCtx, cancel := context.WithTimeout(e.ctx, 2*time.Second)
	defer cancel()
	if err := e.rt.Logs(followCtx, id, kubelet.LogOptions{Follow: true}, &logs); err != nil {
		t.Errorf("Logs with Follow, ended by ctx: %v", err)
	}
	if want := "sleeper started in /work greeting=hello\n"; logs.String() != want {
		t.Errorf("logs = %q, want %q", logs.String(), want)
	}

	if err := e.rt.StopContainer(e.ctx, id, 10*time.Second); err != nil {
		t.Fatalf("StopContainer: %v", err)
	}
	c = e.pods()[0].Latest("app")
	if c.State != podstate.Exited || c.ExitCode != 0 || c.Reason != "Completed" || c.FinishedAt.Before(c.StartedAt) {
		t.Errorf("stopped app = %+v, want exited 0, Completed", c)
	}
	if err := e.rt.RemoveContainer(e.ctx, id); err != nil {
		t.Fatalf("RemoveContainer: %v", err)
	}
	if got := e.pods()[0]; len(got.Containers) != 0 || len(got.Sandboxes) != 1 {
		t.Errorf("after remove, pod = %+v, want only its sandbox", got)
	}
	if err := e.rt.RemoveContainer(e.ctx, id); err != nil {
		t.Errorf("RemoveContainer of a removed container: %v, want success", err)
	}
	if err := e.rt.StopContainer(e.ctx, id, time.Second); err != nil {
		t.Errorf("StopContainer of a removed container: %v, want success", err)
	}
}

func TestExitedContainer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pod := e.pod("job")
	sb := e.sandbox(pod)
	crasher := &corev1.Container{Name: "crasher", Image: testImage, Args: []string{"exit", "3"}}
	first := e.start(pod, sb, crasher, 0)
	e.waitExited(first)
	second := e.start(pod, sb, crasher, 1)
	e.waitExited(second)

	// Pods may be called concurrently; -race checks its inspect cache.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { e.rt.Pods(e.ctx) })
	}
	wg.Wait()
	p := e.pods()[0]
	if len(p.Containers) != 2 || p.Containers[0].ID != second || p.Containers[1].ID != first {
		t.Fatalf("containers = %+v, want attempt 1 then attempt 0", p.Containers)
	}
	c := p.Latest("crasher")
	if c.ID != second || c.RestartCount != 1 || c.State != podstate.Exited || c.ExitCode != 3 || c.Reason != "Error" ||
		c.StartedAt.IsZero() || c.FinishedAt.IsZero() || c.FinishedAt.Before(c.StartedAt) {
		t.Errorf("latest crasher = %+v, want attempt 1 exited 3, Error, with times", c)
	}

	// stdout and stderr are logged separately, so their order is not kept.
	var logs, tail bytes.Buffer
	if err := e.rt.Logs(e.ctx, first, kubelet.LogOptions{}, &logs); err != nil {
		t.Fatalf("Logs: %v", err)
	}
	for _, line := range []string{"sleeper started in / greeting=\n", "sleeper exits 3\n"} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("logs = %q, want the line %q of stdout or stderr", logs.String(), line)
		}
	}
	if err := e.rt.Logs(e.ctx, first, kubelet.LogOptions{TailLines: 1}, &tail); err != nil {
		t.Fatalf("Logs: %v", err)
	}
	if strings.Count(tail.String(), "\n") != 1 {
		t.Errorf("logs with TailLines 1 = %q, want one line", tail.String())
	}
}

func TestStopContainerKillsAfterGrace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pod := e.pod("stubborn")
	sb := e.sandbox(pod)
	id := e.start(pod, sb, &corev1.Container{Name: "app", Image: testImage, Args: []string{"ignore-term"}}, 0)

	const grace = time.Second
	start := time.Now()
	if err := e.rt.StopContainer(e.ctx, id, grace); err != nil {
		t.Fatalf("StopContainer: %v", err)
	}
	took := time.Since(start)
	t.Logf("StopContainer of a container that ignores SIGTERM, grace %s, took %d ms", grace, took.Milliseconds())
	if took < grace || took > grace+3*time.Second {
		t.Errorf("StopContainer took %s, want about the grace period %s", took, grace)
	}
	if c := e.pods()[0].Latest("app"); c.State != podstate.Exited || c.ExitCode != 137 {
		t.Errorf("container = %+v, want exited 137 (SIGKILL)", c)
	}
}

func TestStartContainerThatCannotStartLeavesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pod := e.pod("broken")
	sb := e.sandbox(pod)
	_, err := e.rt.StartContainer(e.ctx, pod, sb, &corev1.Container{Name: "app", Image: testImage, Command: []string{"/nope"}}, nil, 0)
	if err == nil || !strings.Contains(err.Error(), "start container app of pod default/broken") || !strings.Contains(err.Error(), "/nope") {
		t.Fatalf("StartContainer = %v, want the daemon's complaint about /nope", err)
	}
	if p := e.pods()[0]; len(p.Containers) != 0 {
		t.Errorf("containers = %+v, want none: a failed start is removed", p.Containers)
	}
	_, err = e.rt.StartContainer(e.ctx, pod, sb, &corev1.Container{Name: "app", Image: "ownkube-test/absent:nope"}, nil, 0)
	if err == nil || !strings.Contains(err.Error(), "No such image") {
		t.Errorf("StartContainer with a missing image = %v, want No such image (and no pull)", err)
	}
}

func TestLeftoverHoldingTheName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pod := e.pod("again")
	sb := e.sandbox(pod)
	app := &corev1.Container{Name: "app", Image: testImage}
	name := containerName(pod, "app", 0)

	ours, err := e.docker.ContainerCreate(e.ctx, &container.Config{Image: testImage, Labels: e.rt.labels(pod, "app", 0)}, nil, nil, nil, name)
	if err != nil {
		t.Fatal(err)
	}
	id := e.start(pod, sb, app, 0)
	if id == ours.ID {
		t.Errorf("StartContainer reused the leftover %s", id)
	}

	name = containerName(pod, "app", 1)
	if _, err := e.docker.ContainerCreate(e.ctx, &container.Config{Image: testImage, Labels: map[string]string{testLabel: e.id}}, nil, nil, nil, name); err != nil {
		t.Fatal(err)
	}
	_, err = e.rt.StartContainer(e.ctx, pod, sb, app, nil, 1)
	if err == nil || !strings.Contains(err.Error(), "not of cluster") {
		t.Errorf("StartContainer over a foreign container's name = %v, want a refusal", err)
	}
}

func TestImagePresent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for image, want := range map[string]bool{testImage: true, "ownkube-test/absent:nope": false} {
		got, err := e.rt.ImagePresent(e.ctx, image)
		if err != nil || got != want {
			t.Errorf("ImagePresent(%s) = %v, %v, want %v", image, got, err, want)
		}
	}
}

func TestForeignContainersAreNeverTouched(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pod := e.pod("mine")
	e.sandbox(pod)
	labels := func(cluster_, node string) map[string]string {
		l := e.rt.labels(e.pod("theirs"), "app", 0)
		l[cluster.LabelCluster], l[LabelNode] = cluster_, node
		if cluster_ == "" {
			delete(l, cluster.LabelCluster)
		}
		return l
	}
	foreign := map[string]string{
		"unlabelled":         e.startForeign(labels("", "node-1")),
		"of another cluster": e.startForeign(labels("other-"+e.id, "node-1")),
		"of another node":    e.startForeign(labels(e.cluster(), "node-2")),
	}

	pods := e.pods()
	if len(pods) != 1 || pods[0].UID != pod.UID {
		t.Errorf("Pods = %+v, want only the pod mine", pods)
	}
	for what, id := range foreign {
		if err := e.rt.StopContainer(e.ctx, id, 0); !errors.Is(err, ErrForeign) {
			t.Errorf("StopContainer of a container %s = %v, want ErrForeign", what, err)
		}
		if err := e.rt.RemoveContainer(e.ctx, id); !errors.Is(err, ErrForeign) {
			t.Errorf("RemoveContainer of a container %s = %v, want ErrForeign", what, err)
		}
		if err := e.rt.Logs(e.ctx, id, kubelet.LogOptions{}, &bytes.Buffer{}); !errors.Is(err, ErrForeign) {
			t.Errorf("Logs of a container %s = %v, want ErrForeign", what, err)
		}
		if s := e.state(id); s != container.StateRunning {
			t.Errorf("container %s is %s, want it left running", what, s)
		}
	}
}
