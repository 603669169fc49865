package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/bench/load"
	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/images"
)

// startupConfig is the pod startup benchmark's share of the command line.
type startupConfig struct {
	// Pods is how many pods are created, and how many times the floor
	// starts its two containers.
	Pods int
	// Rate is the offered rate of pod creates, per second.
	Rate float64
	// Bound is how long a pod may take to be Running, from its create;
	// one that takes longer counts as never Running.
	Bound time.Duration
}

// Sizes of the startup benchmark that no flag sets.
const (
	// startupNamespace holds the pods.
	startupNamespace = "bench-startup"
	// startupCleanupTimeout bounds the wait for the pods to be gone once
	// their namespace is deleted.
	startupCleanupTimeout = time.Minute
	// floorStepTimeout bounds each Docker call of the floor.
	floorStepTimeout = 30 * time.Second
	// maxErrorSamples is how many error messages a floor keeps, as load does.
	maxErrorSamples = 5
)

// startupFigures is what the pod startup benchmark measured.
type startupFigures struct {
	cfg   startupConfig
	nodes int
	image string
	// pods has the latency of each pod seen Running within the bound, from
	// its create request sent. Errors counts the creates that failed and
	// the pods not Running within the bound; Window runs from the first
	// create to the last pod seen Running.
	pods load.Result
	// notRunning counts the pods created but not Running within the bound.
	notRunning int
	// phases split the pods' latencies.
	phases []phase
	// floor has the latency of each pair of containers started through
	// the Docker API; Window is the floor's whole run.
	floor load.Result
	// cleanup says how the pods' removal went before the floor ran.
	cleanup string
}

// benchStartup creates pods at a steady rate on the cluster's Docker nodes
// and times each from its create request to a watch seeing it Running.
// Then it deletes them all and measures the floor: the two containers of
// a pod started by hand, through the Docker API, one pod after another.
func benchStartup(ctx context.Context, e *env) (findings, error) {
	cfg := e.startup
	echo, err := images.Tag("echo", defaultImpl)
	if err != nil {
		return findings{}, err
	}
	fig := &startupFigures{cfg: cfg, nodes: len(e.cluster.Nodes), image: echo}
	f := findings{startup: fig}
	if err := e.newNamespace(ctx, startupNamespace); err != nil {
		return f, err
	}
	created, bound, running, gone := newSightings(), newSightings(), newSightings(), newSightings()
	w, err := watchPods(ctx, e.kube, startupNamespace, func(t watch.EventType, pod *corev1.Pod, at time.Time) {
		if t == watch.Deleted {
			gone.see(pod.Name, at)
			return
		}
		if pod.Spec.NodeName != "" {
			bound.see(pod.Name, at)
		}
		if pod.Status.Phase == corev1.PodRunning {
			running.see(pod.Name, at)
		}
	})
	if err != nil {
		return f, err
	}
	defer w.Stop()
	ectx, stopEvents := context.WithCancel(ctx)
	defer stopEvents()
	docker, err := watchContainerEvents(ectx, e.cluster.Name, startupNamespace)
	if err != nil {
		return f, err
	}

	if fig.pods, err = e.createStartupPods(ctx, echo, created, running); err != nil {
		return f, err
	}
	stopEvents()
	if err := docker.wait(); err != nil {
		fmt.Fprintf(e.progress, "   the phases inside the kubelet are incomplete: %v\n", err)
	}
	fig.notRunning = created.len() - len(fig.pods.Latencies)
	fig.phases = startupPhases(cfg.Bound, created, bound, docker.sandboxCreated, docker.appStarted, running)
	fig.cleanup = e.deleteStartupPods(ctx, w, created, gone)
	w.Stop()
	if err := ctx.Err(); err != nil {
		return f, err
	}
	fig.floor, err = e.startupFloor(ctx, cfg.Pods, echo)
	return f, err
}

// createStartupPods creates cfg.Pods pods at cfg.Rate, open loop, and waits
// until each is Running or the bound has passed since the last create. The
// Result it returns has a latency per pod Running within the bound.
func (e *env) createStartupPods(ctx context.Context, image string, created, running *sightings) (load.Result, error) {
	cfg := e.startup
	fmt.Fprintf(e.progress, "Creating %d pods at %g/s on %d Docker nodes ...\n", cfg.Pods, cfg.Rate, len(e.cluster.Nodes))
	pods := e.kube.CoreV1().Pods(startupNamespace)
	lc := load.Config{Rate: cfg.Rate, Duration: time.Duration(float64(cfg.Pods) / cfg.Rate * float64(time.Second))}
	res, err := load.Run(ctx, lc, func(ctx context.Context, i int) error {
		pod := startupPod(i, image)
		sent := time.Now()
		if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create pod %s: %w", pod.Name, err)
		}
		created.see(pod.Name, sent)
		return nil
	})
	if err != nil {
		return res, err
	}
	wctx, cancel := context.WithTimeout(ctx, cfg.Bound)
	defer cancel()
	want := created.times()
	werr := running.waitUntil(wctx, allOf(want))
	fmt.Fprintf(e.progress, " ✓ %d of %d pods Running\n", len(between(want, running.times(), cfg.Bound)), len(want))
	if werr != nil && ctx.Err() != nil {
		return res, ctx.Err()
	}
	return startupResult(res, want, running.times(), cfg.Bound), nil
}

// startupPod is pod i of the startup benchmark: one echo container,
// restarted always, without requests. Its short grace period only speeds
// up the cleanup; it plays no part in the startup.
func startupPod(i int, image string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("startup-%03d", i), Labels: map[string]string{"app": "ownkube-bench"}},
		Spec: corev1.PodSpec{
			RestartPolicy:                 corev1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: ptr.To[int64](1),
			Containers:                    []corev1.Container{{Name: "echo", Image: image}},
		},
	}
}

// phase is a stretch of the pods' startup: how long each pod took from one
// sighting to the next, sorted.
type phase struct {
	name string
	took []time.Duration
}

// startupPhases splits the pods' startup at each sighting: bound (the
// scheduler's share), then within the kubelet's share the Docker events of
// its pause container's create and its app container's start.
func startupPhases(within time.Duration, created, bound, sandbox, app, running *sightings) []phase {
	c, b, s, a, r := created.times(), bound.times(), sandbox.times(), app.times(), running.times()
	return []phase{
		{"create sent → bound seen (scheduler)", between(c, b, within)},
		{"bound seen → Running seen (kubelet)", between(b, r, within)},
		{"  bound seen → pause container created", between(b, s, within)},
		{"  pause created → app container started (Docker, and the kubelet between)", between(s, a, within)},
		{"  app started → Running seen (status written, watched)", between(a, r, within)},
	}
}

// between returns, sorted, the time each pod took from its sighting in
// from to its sighting in to, for the pods seen in both within bound.
func between(from, to map[string]time.Time, bound time.Duration) []time.Duration {
	var lat []time.Duration
	for name, start := range from {
		if at, ok := to[name]; ok && at.Sub(start) <= bound {
			lat = append(lat, at.Sub(start))
		}
	}
	slices.Sort(lat)
	return lat
}

// startupResult turns the creates' Result into the pods' one: a latency
// per pod Running within bound, from its create sent to Running seen, and
// an error per create that failed and per pod not Running within bound.
// Its Window runs from the first create sent to the last pod seen Running.
func startupResult(creates load.Result, created, running map[string]time.Time, bound time.Duration) load.Result {
	res := creates
	res.Latencies = between(created, running, bound)
	late := len(created) - len(res.Latencies)
	res.Errors = creates.Errors + late
	var names []string
	for name, sent := range created {
		if at, ok := running[name]; !ok || at.Sub(sent) > bound {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if late > 0 {
		sample := fmt.Sprintf("not Running within %v: %s", bound, names[0])
		if late > 1 {
			sample += fmt.Sprintf(" and %d more", late-1)
		}
		res.ErrorSamples = append(slices.Clone(res.ErrorSamples), sample)
	}
	first, _ := span(created)
	_, last := span(running)
	if !first.IsZero() && last.After(first) {
		res.Window = last.Sub(first)
	}
	return res
}

// deleteStartupPods deletes the namespace and waits, bounded, until the
// watch has seen every pod created go: the kubelets have stopped them, so
// that the floor does not compete with them. It says how that went.
func (e *env) deleteStartupPods(ctx context.Context, w *podWatch, created, gone *sightings) string {
	fmt.Fprintf(e.progress, "Deleting namespace %s ...\n", startupNamespace)
	start := time.Now()
	if err := e.kube.CoreV1().Namespaces().Delete(ctx, startupNamespace, metav1.DeleteOptions{}); err != nil {
		return fmt.Sprintf("deleting namespace %s failed (%v): the floor ran beside the pods", startupNamespace, err)
	}
	wctx, cancel := context.WithTimeout(ctx, startupCleanupTimeout)
	defer cancel()
	want := created.times()
	if err := gone.waitUntil(wctx, allOf(want)); err != nil {
		msg := fmt.Sprintf("%d of %d pods still there %v after their namespace was deleted", len(want)-gone.len(), len(want), startupCleanupTimeout)
		if werr := w.Err(); werr != nil {
			msg += fmt.Sprintf(" (the watch had ended: %v)", werr)
		}
		return msg + ": the floor ran beside them"
	}
	return fmt.Sprintf("the %d pods were gone %s after their namespace was deleted", len(want), load.FormatDuration(time.Since(start)))
}

// startupFloor starts a pod's two containers by hand n times, one pod after
// another, and times each from the first create to the second start.
func (e *env) startupFloor(ctx context.Context, n int, echo string) (load.Result, error) {
	fmt.Fprintf(e.progress, "Measuring the floor: %d × pause + echo containers through the Docker API ...\n", n)
	docker, err := cluster.Docker(ctx)
	if err != nil {
		return load.Result{}, err
	}
	defer docker.Close()
	pause, err := images.Tag("pause", defaultImpl)
	if err != nil {
		return load.Result{}, err
	}
	res := load.Result{Planned: n}
	start := time.Now()
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		res.Sent++
		took, err := e.startContainerPair(ctx, docker, i, pause, echo)
		if err != nil {
			res.Errors++
			if len(res.ErrorSamples) < maxErrorSamples {
				res.ErrorSamples = append(res.ErrorSamples, err.Error())
			}
			continue
		}
		res.Latencies = append(res.Latencies, took)
	}
	res.Window = time.Since(start)
	slices.Sort(res.Latencies)
	fmt.Fprintf(e.progress, " ✓ floor: %d succeeded, %d failed\n", len(res.Latencies), res.Errors)
	return res, ctx.Err()
}

// startContainerPair does what a kubelet asks of Docker to start a pod,
// and nothing else: a pause container on the cluster network, then an
// echo container in its network namespace. Both carry the cluster's label,
// so that bringing the cluster down removes them should this not.
func (e *env) startContainerPair(ctx context.Context, docker *client.Client, i int, pause, echo string) (time.Duration, error) {
	name := fmt.Sprintf("%s-floor-%03d", e.cluster.Name, i)
	labels := cluster.Labels(e.cluster.Name, "bench-floor")
	var ids []string
	defer func() { removeContainers(ctx, docker, ids) }()

	start := time.Now()
	sandbox := &container.Config{Image: pause, Hostname: name, Labels: labels}
	host := &container.HostConfig{NetworkMode: container.NetworkMode(e.cluster.Network)}
	net := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{e.cluster.Network: {}}}
	id, err := createAndStart(ctx, docker, name+"-pause", sandbox, host, net)
	if id != "" {
		ids = append(ids, id)
	}
	if err != nil {
		return 0, err
	}
	app := &container.Config{Image: echo, Labels: labels}
	host = &container.HostConfig{NetworkMode: container.NetworkMode("container:" + id)}
	id, err = createAndStart(ctx, docker, name+"-echo", app, host, nil)
	took := time.Since(start)
	if id != "" {
		ids = append([]string{id}, ids...) // the app first, then its sandbox
	}
	return took, err
}

// createAndStart creates and starts a container and returns its ID, also
// when only the create succeeded.
func createAndStart(ctx context.Context, docker *client.Client, name string, config *container.Config, host *container.HostConfig, net *network.NetworkingConfig) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, floorStepTimeout)
	defer cancel()
	resp, err := docker.ContainerCreate(cctx, config, host, net, nil, name)
	if err != nil {
		return "", fmt.Errorf("create container %s: %w", name, err)
	}
	if err := docker.ContainerStart(cctx, resp.ID, container.StartOptions{}); err != nil {
		return resp.ID, fmt.Errorf("start container %s: %w", name, err)
	}
	return resp.ID, nil
}

// removeContainers removes the floor's containers, even after Ctrl-C;
// what it cannot remove, bringing the cluster down does.
func removeContainers(ctx context.Context, docker *client.Client, ids []string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), floorStepTimeout)
	defer cancel()
	for _, id := range ids {
		_ = docker.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
	}
}
