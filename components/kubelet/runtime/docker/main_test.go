package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/kubelet"
	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// testLabel marks what the tests create besides the runtime's own
// containers (networks, foreign containers); its value is the test's id.
const testLabel = "ownkube.io/test-runtime-docker"

var (
	runID = randomID()
	// testImage is the sleeper image TestMain builds, FROM scratch.
	testImage = "ownkube-test/sleeper:runtime-test-" + runID
	// dockerUnreachable, if set, is why the tests skip.
	dockerUnreachable error
	buildErr          error
)

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	docker, err := cluster.Docker(ctx)
	if err != nil {
		dockerUnreachable = err
		cancel()
		os.Exit(m.Run())
	}
	buildErr = buildTestImage(ctx, docker)
	cancel()
	code := m.Run()
	_, err = docker.ImageRemove(context.Background(), testImage, image.RemoveOptions{PruneChildren: true})
	if err != nil && !errdefs.IsNotFound(err) {
		fmt.Fprintf(os.Stderr, "remove image %s: %v\n", testImage, err)
	}
	docker.Close()
	os.Exit(code)
}

// buildTestImage compiles testdata/sleeper statically and builds it into
// testImage with the classic builder: no registry, nothing pulled.
func buildTestImage(ctx context.Context, docker *client.Client) error {
	dir, err := os.MkdirTemp("", "sleeper")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "sleeper")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./testdata/sleeper")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build sleeper: %v\n%s", err, out)
	}
	buildContext, err := tarContext(bin)
	if err != nil {
		return err
	}
	resp, err := docker.ImageBuild(ctx, buildContext, build.ImageBuildOptions{
		Tags: []string{testImage}, Remove: true, ForceRemove: true, Version: build.BuilderV1,
	})
	if err != nil {
		return fmt.Errorf("build image %s: %w", testImage, err)
	}
	defer resp.Body.Close()
	if err := jsonmessage.DisplayJSONMessagesStream(resp.Body, io.Discard, 0, false, nil); err != nil {
		return fmt.Errorf("build image %s: %w", testImage, err)
	}
	return nil
}

func tarContext(bin string) (io.Reader, error) {
	exe, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	dockerfile := []byte("FROM scratch\nCOPY sleeper /sleeper\nENTRYPOINT [\"/sleeper\"]\n")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, f := range map[string]struct {
		mode int64
		data []byte
	}{"Dockerfile": {0o644, dockerfile}, "sleeper": {0o755, exe}} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: f.mode, Size: int64(len(f.data))}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	return &buf, tw.Close()
}

// env is one test's world: its own cluster name, network and runtime.
type env struct {
	t       *testing.T
	ctx     context.Context
	id      string
	rt      *Runtime
	docker  *client.Client
	network string
	subnet  string
}

// newEnv skips if Docker is unreachable, and removes in t.Cleanup every
// container of the test's cluster or carrying its test label, then its
// network.
func newEnv(t *testing.T) *env {
	t.Helper()
	if dockerUnreachable != nil {
		t.Skipf("skipping: these tests need a Docker engine: %v", dockerUnreachable)
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	e := &env{t: t, ctx: ctx, id: randomID()}
	var err error
	if e.docker, err = cluster.Docker(ctx); err != nil {
		t.Fatal(err)
	}
	e.network = "ownkube-rt-" + e.id
	created, err := e.docker.NetworkCreate(ctx, e.network, network.CreateOptions{Labels: map[string]string{testLabel: e.id}})
	if err != nil {
		t.Fatalf("create network: %v", err)
	}
	t.Cleanup(func() { e.cleanup(created.ID) })
	nw, err := e.docker.NetworkInspect(ctx, created.ID, network.InspectOptions{})
	if err != nil || len(nw.IPAM.Config) == 0 {
		t.Fatalf("inspect network %s: %v %+v", e.network, err, nw.IPAM)
	}
	e.subnet = nw.IPAM.Config[0].Subnet
	e.rt, err = New(Config{
		Cluster: e.cluster(), Node: "node-1", Network: e.network, PauseImage: testImage,
		DNS: func(pod *corev1.Pod) kubelet.DNSConfig {
			return kubelet.PodDNS(pod, kubelet.ClusterDNS{Servers: []string{"10.0.0.10"}, Domain: "cluster.local"})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) cluster() string { return "rt-" + e.id }

func (e *env) cleanup(networkID string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, label := range []string{cluster.LabelCluster + "=" + e.cluster(), testLabel + "=" + e.id} {
		list, err := e.docker.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", label))})
		if err != nil {
			e.t.Errorf("cleanup: list %s: %v", label, err)
		}
		for _, c := range list {
			if err := e.docker.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !errdefs.IsNotFound(err) {
				e.t.Errorf("cleanup: remove %s: %v", c.ID, err)
			}
		}
	}
	if err := e.docker.NetworkRemove(ctx, networkID); err != nil {
		e.t.Errorf("cleanup: remove network %s: %v", e.network, err)
	}
	e.rt.Close()
	e.docker.Close()
}

func (e *env) pod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID(randomID() + "-" + randomID())}}
}

func (e *env) sandbox(pod *corev1.Pod) podstate.Sandbox {
	e.t.Helper()
	start := time.Now()
	sb, err := e.rt.RunSandbox(e.ctx, pod)
	if err != nil {
		e.t.Fatalf("RunSandbox: %v", err)
	}
	e.t.Logf("RunSandbox took %d ms", time.Since(start).Milliseconds())
	return sb
}

func (e *env) start(pod *corev1.Pod, sb podstate.Sandbox, c *corev1.Container, restartCount int) string {
	e.t.Helper()
	start := time.Now()
	id, err := e.rt.StartContainer(e.ctx, pod, sb, c, nil, restartCount)
	if err != nil {
		e.t.Fatalf("StartContainer: %v", err)
	}
	e.t.Logf("StartContainer took %d ms", time.Since(start).Milliseconds())
	return id
}

// waitExited waits, with a bound, for the container to stop running.
func (e *env) waitExited(id string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	statusC, errC := e.docker.ContainerWait(ctx, id, container.WaitConditionNotRunning)
	select {
	case <-statusC:
	case err := <-errC:
		e.t.Fatalf("wait for container %.12s to exit: %v", id, err)
	}
}

func (e *env) pods() []podstate.Pod {
	e.t.Helper()
	pods, err := e.rt.Pods(e.ctx)
	if err != nil {
		e.t.Fatalf("Pods: %v", err)
	}
	return pods
}

// startForeign starts a sleeper carrying labels, but not as the runtime
// would make it; the test's label lets cleanup find it.
func (e *env) startForeign(labels map[string]string) string {
	e.t.Helper()
	labels[testLabel] = e.id
	resp, err := e.docker.ContainerCreate(e.ctx, &container.Config{Image: testImage, Labels: labels},
		&container.HostConfig{NetworkMode: "none"}, nil, nil, "")
	if err != nil {
		e.t.Fatalf("create foreign container: %v", err)
	}
	if err := e.docker.ContainerStart(e.ctx, resp.ID, container.StartOptions{}); err != nil {
		e.t.Fatalf("start foreign container: %v", err)
	}
	return resp.ID
}

func (e *env) state(id string) container.ContainerState {
	e.t.Helper()
	in, err := e.docker.ContainerInspect(e.ctx, id)
	if err != nil {
		e.t.Fatalf("inspect %.12s: %v", id, err)
	}
	return in.State.Status
}

func randomID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}
