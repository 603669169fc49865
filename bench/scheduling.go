package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ownkube/ownkube/components/images"
	"github.com/ownkube/ownkube/components/kubelet/simulated"
	"github.com/ownkube/ownkube/components/scheduler"
	"github.com/ownkube/ownkube/components/scheduler/algorithm"
	"github.com/ownkube/ownkube/components/scheduler/snapshot"
)

// schedulerConfig is the scheduler benchmark's share of the command line.
type schedulerConfig struct {
	// Nodes is how many simulated nodes are registered (110 pods each).
	Nodes int
	// Pods is how many pods are scheduled, and how many decisions the
	// scheduler core's floor makes.
	Pods int
	// Timeout bounds the wait for every pod to be bound, from the
	// scheduler's start.
	Timeout time.Duration
	// CPUProfile, if set, is a file to write a CPU profile of this process
	// to, from the scheduler's start to the last binding.
	CPUProfile string
}

// Sizes of the scheduler benchmark that no flag sets.
const (
	// schedulerNamespace holds the pods.
	schedulerNamespace = "bench-scheduler"
	// createWorkers bounds the pod creates in flight.
	createWorkers = 32
	// runningTimeout bounds the wait for every pod bound to be Running,
	// from the last binding.
	runningTimeout = 2 * time.Minute
	// stopTimeout bounds the wait for the in-process components to stop.
	stopTimeout = 30 * time.Second
	// The etcd floor: etcdFloorClients workers write for etcdFloorDuration,
	// at most etcdFloorMaxTxns each.
	etcdFloorClients  = 32
	etcdFloorDuration = 5 * time.Second
	etcdFloorMaxTxns  = 1_000_000
	// coreFloorTimeout bounds the scheduler core's floor.
	coreFloorTimeout = 30 * time.Second
)

// schedulerFigures is what the scheduler benchmark measured.
type schedulerFigures struct {
	cfg schedulerConfig
	// registered and created are how long registering the nodes and
	// creating the pods took, before the scheduler started.
	registered, created time.Duration
	// toFirstBind runs from the scheduler's start to the first pod seen
	// bound: its informers' initial list.
	toFirstBind time.Duration
	// bound pods were seen bound, from the first to the last over bindSpan.
	bound    int
	bindSpan time.Duration
	// running pods were seen Running, the last runningSpan after the first
	// binding.
	running     int
	runningSpan time.Duration
	// requests are the bindings and status patches the scheduler and the
	// simulated nodes sent.
	requests *requestTimes
	etcd     txnFloor
	core     coreFloor
}

// throughput is pods bound per second, first binding to last; 0 when it
// cannot be told.
func (f *schedulerFigures) throughput() float64 { return perSecond(f.bound, f.bindSpan) }

// perSecond is n per d, 0 for no time.
func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// txnFloor is what raw etcd transactions achieved.
type txnFloor struct {
	clients   int
	valueSize int
	txns      int // succeeded
	errors    int
	took      time.Duration
}

func (f txnFloor) rate() float64 { return perSecond(f.txns, f.took) }

// coreFloor is what the scheduling algorithm achieved alone.
type coreFloor struct {
	nodes     int
	decisions int
	took      time.Duration
}

func (f coreFloor) rate() float64 { return perSecond(f.decisions, f.took) }

// benchScheduler registers simulated nodes and creates pending pods, then
// starts the scheduler in process and times, from a watch, the first pod
// bound to the last. Then it measures the floors under that: raw etcd
// transactions, and the scheduling algorithm alone.
func benchScheduler(ctx context.Context, e *env) (findings, error) {
	cfg := e.scheduler
	fig := &schedulerFigures{cfg: cfg, requests: newRequestTimes(bindOrStatus)}
	f := findings{scheduler: fig}
	if err := e.newNamespace(ctx, schedulerNamespace); err != nil {
		return f, err
	}
	stopNodes, err := e.runSimulatedNodes(ctx, fig)
	if err != nil {
		return f, err
	}
	defer stopNodes()
	bound, running := newSightings(), newSightings()
	w, err := watchPods(ctx, e.kube, schedulerNamespace, func(_ watch.EventType, pod *corev1.Pod, at time.Time) {
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
	template, err := e.createPendingPods(ctx, fig)
	if err != nil {
		return f, err
	}
	if err := e.runScheduler(ctx, fig, w, bound, running); err != nil {
		return f, err
	}
	w.Stop()
	stopNodes()

	if fig.etcd, err = e.etcdTxnFloor(ctx, template); err != nil {
		return f, err
	}
	fig.core, err = e.schedulerCoreFloor(ctx, template)
	return f, err
}

// client is a client of its own for a component run in this process,
// whose requests times records. It speaks what client-go speaks by default
// (protobuf, then JSON), as the component does when it runs on its own.
func (e *env) client(times *requestTimes) (kubernetes.Interface, error) {
	rc := rest.CopyConfig(e.rest)
	rc.ContentType, rc.AcceptContentTypes = "", ""
	rc.Wrap(times.wrap)
	return kubernetes.NewForConfig(rc)
}

// quiet is the logger of the components run in process.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// runSimulatedNodes registers the simulated nodes and runs them until the
// function it returns is called.
func (e *env) runSimulatedNodes(ctx context.Context, fig *schedulerFigures) (stop func(), err error) {
	client, err := e.client(fig.requests)
	if err != nil {
		return nil, err
	}
	sim, err := simulated.New(simulated.Config{Client: client, Nodes: fig.cfg.Nodes, Logger: quiet})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(e.progress, "Registering %d simulated nodes ...\n", fig.cfg.Nodes)
	start := time.Now()
	if err := sim.Register(ctx); err != nil {
		return nil, err
	}
	fig.registered = time.Since(start)
	return runInBackground(ctx, "simulated nodes", sim.Run, e.progress), nil
}

// runInBackground runs run until the function it returns is called, which
// waits (bounded) for run to return. Calling it again does nothing.
func runInBackground(ctx context.Context, what string, run func(context.Context) error, progress io.Writer) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- run(ctx) }()
	var stopped atomic.Bool
	return func() {
		if stopped.Swap(true) {
			return
		}
		cancel()
		select {
		case err := <-ran:
			if err != nil {
				fmt.Fprintf(progress, "%s: %v\n", what, err)
			}
		case <-time.After(stopTimeout):
			fmt.Fprintf(progress, "%s did not stop within %v\n", what, stopTimeout)
		}
	}
}

// schedulerPod is pod i of the scheduler benchmark: small requests, so that
// every pod fits somewhere. It never runs: its nodes are simulated.
func schedulerPod(i int, image string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pod-%05d", i), Labels: map[string]string{"app": "ownkube-bench"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image,
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi"),
			}},
		}}},
	}
}

// createPendingPods creates the pods, none scheduled yet, and returns the
// first as the API server stored it.
func (e *env) createPendingPods(ctx context.Context, fig *schedulerFigures) (*corev1.Pod, error) {
	image, err := images.Tag("echo", defaultImpl)
	if err != nil {
		return nil, err
	}
	n := fig.cfg.Pods
	fmt.Fprintf(e.progress, "Creating %d pods, %d at a time ...\n", n, createWorkers)
	pods := e.kube.CoreV1().Pods(schedulerNamespace)
	var first *corev1.Pod
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(createWorkers)
	for i := range n {
		g.Go(func() error {
			pod, err := pods.Create(gctx, schedulerPod(i, image), metav1.CreateOptions{})
			if err != nil {
				return fmt.Errorf("create pod %s/%s: %w", schedulerNamespace, schedulerPod(i, image).Name, err)
			}
			if i == 0 {
				first = pod
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	fig.created = time.Since(start)
	return first, nil
}

// runScheduler starts the scheduler in process and waits, bounded, until
// the watch has seen every pod bound, then Running; it stops the scheduler
// and records what the watch saw. Pods left unbound are not an error: the
// figures count them.
func (e *env) runScheduler(ctx context.Context, fig *schedulerFigures, w *podWatch, bound, running *sightings) error {
	client, err := e.client(fig.requests)
	if err != nil {
		return err
	}
	s, err := scheduler.New(scheduler.Config{Client: client, Logger: quiet})
	if err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(fig.cfg.CPUProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	fmt.Fprintf(e.progress, "Starting the scheduler: %d pods to bind to %d nodes ...\n", fig.cfg.Pods, fig.cfg.Nodes)
	wctx, cancelWait := context.WithCancelCause(ctx)
	defer cancelWait(nil)
	run := func(ctx context.Context) error {
		err := s.Run(ctx)
		cancelWait(fmt.Errorf("the scheduler stopped: %v", err))
		return err
	}
	start := time.Now()
	stop := runInBackground(ctx, "scheduler", run, e.progress)
	defer stop()

	bctx, cancel := context.WithTimeout(wctx, fig.cfg.Timeout)
	defer cancel()
	berr := bound.waitUntil(bctx, atLeast(fig.cfg.Pods))
	stopProfile()
	binds := bound.times()
	firstBind, lastBind := span(binds)
	fig.bound = len(binds)
	if fig.bound > 0 {
		fig.toFirstBind, fig.bindSpan = firstBind.Sub(start), lastBind.Sub(firstBind)
	}
	fmt.Fprintf(e.progress, " ✓ %d of %d pods bound\n", fig.bound, fig.cfg.Pods)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if berr != nil {
		fmt.Fprintf(e.progress, "   waiting for the bindings: %v\n", context.Cause(bctx))
	}

	rctx, cancel := context.WithTimeout(ctx, runningTimeout)
	defer cancel()
	_ = running.waitUntil(rctx, atLeast(fig.bound)) // the figures tell how far it got
	runs := running.times()
	_, lastRun := span(runs)
	fig.running = len(runs)
	if fig.running > 0 && fig.bound > 0 {
		fig.runningSpan = lastRun.Sub(firstBind)
	}
	fmt.Fprintf(e.progress, " ✓ %d of %d pods Running\n", fig.running, fig.bound)
	if werr := w.Err(); werr != nil {
		return werr
	}
	return ctx.Err()
}

// startCPUProfile profiles this process into path until the function it
// returns is called; it does nothing if path is empty. Calling the function
// again does nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	var stopped atomic.Bool
	return func() {
		if !stopped.Swap(true) {
			pprof.StopCPUProfile()
			f.Close()
		}
	}, nil
}

// etcdTxnFloor writes, from etcdFloorClients workers for etcdFloorDuration,
// a new key per transaction under /ownkube-bench/txn/, each created only if
// absent, as the API server's store creates an object; the value is a pod
// as the API server stored it.
func (e *env) etcdTxnFloor(ctx context.Context, pod *corev1.Pod) (txnFloor, error) {
	value, err := json.Marshal(pod)
	if err != nil {
		return txnFloor{}, fmt.Errorf("encode pod: %w", err)
	}
	fmt.Fprintf(e.progress, "Measuring the etcd floor: compare-and-put transactions from %d clients for %v ...\n", etcdFloorClients, etcdFloorDuration)
	f := txnFloor{clients: etcdFloorClients, valueSize: len(value)}
	var txns, failed atomic.Int64
	fctx, cancel := context.WithTimeout(ctx, etcdFloorDuration)
	defer cancel()
	start := time.Now()
	var g errgroup.Group
	for w := range etcdFloorClients {
		g.Go(func() error {
			for i := range etcdFloorMaxTxns {
				key := fmt.Sprintf("%stxn/%02d/%07d", etcdPrefix, w, i)
				resp, err := e.etcd.Txn(fctx).
					If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
					Then(clientv3.OpPut(key, string(value))).
					Commit()
				switch {
				case fctx.Err() != nil:
					return nil // cut short by the end of the run: not counted
				case err != nil || !resp.Succeeded:
					failed.Add(1)
				default:
					txns.Add(1)
				}
			}
			return nil
		})
	}
	_ = g.Wait()
	f.took, f.txns, f.errors = time.Since(start), int(txns.Load()), int(failed.Load())
	fmt.Fprintf(e.progress, " ✓ etcd txn: %d succeeded, %d failed\n", f.txns, f.errors)
	return f, ctx.Err()
}

// schedulerCoreFloor times the scheduling algorithm alone over the same
// nodes, freshly read: as many decisions as the benchmark scheduled pods,
// copies of pod.
func (e *env) schedulerCoreFloor(ctx context.Context, pod *corev1.Pod) (coreFloor, error) {
	nodes, err := e.kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: simulated.LabelSimulated + "=true"})
	if err != nil {
		return coreFloor{}, fmt.Errorf("list simulated nodes: %w", err)
	}
	n := e.scheduler.Pods
	fmt.Fprintf(e.progress, "Measuring the scheduler core: %d decisions over %d nodes, no I/O ...\n", n, len(nodes.Items))
	pods := make([]*corev1.Pod, n)
	for i := range pods {
		p := pod.DeepCopy()
		p.Name, p.UID, p.Spec.NodeName = fmt.Sprintf("core-%05d", i), types.UID(fmt.Sprintf("core-%05d", i)), ""
		pods[i] = p
	}
	f, err := decide(nodes.Items, pods, algorithm.Schedule, coreFloorTimeout)
	fmt.Fprintf(e.progress, " ✓ %d decisions in %s\n", f.decisions, f.took)
	return f, err
}

// decide places pods one after another over a snapshot of nodes, as the
// scheduler does: schedule picks a node for each, which then counts the
// pod. It stops after timeout, and at the first pod that fits nowhere.
func decide(nodes []corev1.Node, pods []*corev1.Pod, schedule func(*corev1.Pod, *snapshot.Snapshot) (string, error), timeout time.Duration) (coreFloor, error) {
	snap := &snapshot.Snapshot{}
	byName := make(map[string]*snapshot.NodeInfo, len(nodes))
	for i := range nodes {
		info := snapshot.NewNodeInfo(&nodes[i])
		snap.Nodes = append(snap.Nodes, info)
		byName[nodes[i].Name] = info
	}
	f := coreFloor{nodes: len(nodes)}
	start := time.Now()
	deadline := start.Add(timeout)
	for _, pod := range pods {
		if time.Now().After(deadline) {
			break
		}
		name, err := schedule(pod, snap)
		if err != nil {
			f.took = time.Since(start)
			return f, fmt.Errorf("schedule pod %s: %w", pod.Name, err)
		}
		info, ok := byName[name]
		if !ok {
			f.took = time.Since(start)
			return f, fmt.Errorf("schedule pod %s: picked %q, not one of the nodes", pod.Name, name)
		}
		info.AddPod(snapshot.NewPodInfo(pod))
		f.decisions++
	}
	f.took = time.Since(start)
	return f, nil
}
