package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/bench/load"
	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/images"
)

// notReadyConfig is the not-ready benchmark's share of the command line.
type notReadyConfig struct {
	// Rounds is how many pods turn not ready, one after another.
	Rounds int
	// Bound is how long each wait of a round (the pod ready, gone) may take.
	Bound time.Duration
}

const (
	notReadyNamespace = "bench-notready"
	// The failing pod's readiness probe: the kubelet marks it not ready
	// after notReadyThreshold failures notReadyPeriod apart. The first may
	// come right at the failure's onset, so the kubelet needs at least
	// (notReadyThreshold-1) × notReadyPeriod, the floor, and at most
	// notReadyThreshold × notReadyPeriod.
	notReadyPeriod    = 1 // seconds
	notReadyThreshold = 2
	// notReadyAfter is how long each round's pod passes its probe (its
	// /healthz, see components/images/echo) after its start.
	notReadyAfter = 15 * time.Second
	// The stream through the ClusterIP: notReadyStreams GETs at once, each
	// stream waiting notReadyPace after each answer, for notReadyAfter +
	// notReadyTail from the pod seen ready.
	notReadyStreams = 2
	notReadyPace    = 10 * time.Millisecond
	notReadyTail    = 10 * time.Second
)

// notReadyFigures is what the not-ready benchmark measured.
type notReadyFigures struct {
	cfg notReadyConfig
	// Per round, from the moment the pod's /healthz starts failing: proxy
	// to its last answer through the ClusterIP, ready to a watch seeing its
	// Ready condition False, slice to a watch seeing its EndpointSlice
	// endpoint not ready.
	proxy, ready, slice load.Result
	// floor is the probe's period × (failureThreshold-1), once per round.
	floor load.Result
	// afterReady has, per round, the time from the Ready condition seen
	// False to the last answer: what the controllers and the forwarder add
	// (negative: the forwarder had acted before this watch saw the pod).
	afterReady []time.Duration
	// failed counts the stream's requests that got no answer, all rounds.
	failed int
}

// benchNotReady measures how fast traffic stops going to a pod that turns
// not ready: two echo backends behind a ClusterIP Service, a probe sending
// a steady stream through the ClusterIP, and one backend that starts
// failing its readiness probe. Each round, the time from a watch seeing
// the pod's Ready condition turn False to the last answer from that pod
// through the ClusterIP (the endpoint controllers, then the forwarder),
// and to a watch seeing its EndpointSlice endpoint not ready.
func benchNotReady(ctx context.Context, e *env) (findings, error) {
	cfg := e.notReady
	fig := &notReadyFigures{cfg: cfg, proxy: load.Result{Planned: cfg.Rounds}, ready: load.Result{Planned: cfg.Rounds}, slice: load.Result{Planned: cfg.Rounds}}
	f := findings{notReady: fig}
	docker, err := cluster.Docker(ctx)
	if err != nil {
		return f, err
	}
	defer docker.Close()
	echo, err := images.Tag("echo", defaultImpl)
	if err != nil {
		return f, err
	}
	if err := e.newNamespace(ctx, notReadyNamespace); err != nil {
		return f, err
	}
	ready, notReady, gone := newSightings(), newSightings(), newSightings()
	sliceReady, sliceNotReady := newSightings(), newSightings()
	w, err := watchPods(ctx, e.kube, notReadyNamespace, func(t watch.EventType, pod *corev1.Pod, at time.Time) {
		switch {
		case t == watch.Deleted:
			gone.see(pod.Name, at)
		case podReadyStatus(pod) == corev1.ConditionTrue:
			ready.see(pod.Name, at)
		case podReadyStatus(pod) == corev1.ConditionFalse && seen(ready, pod.Name):
			notReady.see(pod.Name, at)
		}
	})
	if err != nil {
		return f, err
	}
	defer w.Stop()
	stopSlices, err := e.watchSliceReadiness(ctx, sliceReady, sliceNotReady)
	if err != nil {
		return f, err
	}
	defer stopSlices()

	svc, err := e.kube.CoreV1().Services(notReadyNamespace).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "backend"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "backend"},
			Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http")}}},
	}, metav1.CreateOptions{})
	if err != nil {
		return f, fmt.Errorf("create the backend service: %w", err)
	}
	url := httpURL(svc.Spec.ClusterIP, 80)
	pods := e.kube.CoreV1().Pods(notReadyNamespace)
	if _, err := pods.Create(ctx, notReadyPod(echo, "steady", "/readyz", nil), metav1.CreateOptions{}); err != nil {
		return f, fmt.Errorf("create pod steady: %w", err)
	}
	if err := e.awaitNotReadyStage(ctx, w, ready, "steady", "ready"); err != nil {
		return f, err
	}
	if err := e.awaitAnswer(ctx, docker, url); err != nil {
		return f, err
	}
	start := time.Now()
	for i := range cfg.Rounds {
		if ctx.Err() != nil {
			break
		}
		name := fmt.Sprintf("flaky-%03d", i)
		fmt.Fprintf(e.progress, "Measuring not ready (round %d of %d): pod %s fails its readiness probe %v after its start ...\n",
			i+1, cfg.Rounds, name, notReadyAfter)
		fig.proxy.Sent++
		fig.ready.Sent++
		fig.slice.Sent++
		r, err := e.notReadyRound(ctx, docker, w, echo, url, name, ready, notReady, sliceNotReady)
		fig.failed += r.failed
		if err != nil {
			fig.proxy.Errors++
			fig.proxy.ErrorSamples = appendSample(fig.proxy.ErrorSamples, err)
			fmt.Fprintf(e.progress, " ✗ %s: %v\n", name, err)
		} else {
			fig.proxy.Latencies = append(fig.proxy.Latencies, r.last.Sub(r.failing))
			fig.ready.Latencies = append(fig.ready.Latencies, r.notReady.Sub(r.failing))
			fig.slice.Latencies = append(fig.slice.Latencies, r.slice.Sub(r.failing))
			fig.floor.Latencies = append(fig.floor.Latencies, notReadyPeriod*(notReadyThreshold-1)*time.Second)
			fig.afterReady = append(fig.afterReady, r.last.Sub(r.notReady))
			fmt.Fprintf(e.progress, " ✓ %s: from /healthz failing, Ready False seen after %v, its EndpointSlice after %v, its last answer through the ClusterIP after %v; %d requests failed\n",
				name, r.notReady.Sub(r.failing).Round(time.Millisecond), r.slice.Sub(r.failing).Round(time.Millisecond),
				r.last.Sub(r.failing).Round(time.Millisecond), r.failed)
		}
		if err := pods.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return f, fmt.Errorf("delete pod %s: %w", name, err)
		}
		if err := e.awaitNotReadyStage(ctx, w, gone, name, "gone"); err != nil {
			return f, err
		}
	}
	fig.floor.Planned, fig.floor.Sent = len(fig.floor.Latencies), len(fig.floor.Latencies)
	for _, r := range []*load.Result{&fig.proxy, &fig.ready, &fig.slice, &fig.floor} {
		r.Window = time.Since(start)
		slices.Sort(r.Latencies)
	}
	slices.Sort(fig.afterReady)
	return f, ctx.Err()
}

// notReadyTimes are one round's moments.
type notReadyTimes struct {
	// failing is when the pod's /healthz started failing: its echo
	// server's start, as its log's first line is stamped, + notReadyAfter.
	failing time.Time
	// notReady and slice are when the watches saw its Ready condition
	// False and its EndpointSlice endpoint not ready; last is its last
	// answer through the ClusterIP.
	notReady, slice, last time.Time
	// failed counts the stream's requests that got no answer.
	failed int
}

// notReadyRound starts pod name, streams GETs through url from the pod
// seen ready until notReadyTail after it should have turned not ready, and
// returns the round's moments.
func (e *env) notReadyRound(ctx context.Context, docker *client.Client, w *podWatch, echo, url, name string,
	ready, notReady, sliceNotReady *sightings) (notReadyTimes, error) {
	var r notReadyTimes
	env := []corev1.EnvVar{{Name: "FAIL_LIVENESS_AFTER", Value: notReadyAfter.String()}}
	if _, err := e.kube.CoreV1().Pods(notReadyNamespace).Create(ctx, notReadyPod(echo, name, "/healthz", env), metav1.CreateOptions{}); err != nil {
		return r, fmt.Errorf("create pod %s: %w", name, err)
	}
	if err := e.awaitNotReadyStage(ctx, w, ready, name, "ready"); err != nil {
		return r, err
	}
	started, err := e.echoStarted(ctx, docker, name)
	if err != nil {
		return r, err
	}
	r.failing = started.Add(notReadyAfter)
	count := notReadyStreams * int((notReadyAfter+notReadyTail)/notReadyPace)
	out, err := runProbe(ctx, docker, e.cluster, "repeat", url, "-count", fmt.Sprint(count),
		"-concurrency", fmt.Sprint(notReadyStreams), "-pace", notReadyPace.String(), "-timeout", "5s")
	if err != nil {
		return r, err
	}
	sum, err := parseSummary(out, url)
	if err != nil {
		return r, err
	}
	r.failed = sum.Failures
	streamEnd := time.Now()
	if err := e.awaitNotReadyStage(ctx, w, notReady, name, "not ready"); err != nil {
		return r, err
	}
	if err := e.awaitNotReadyStage(ctx, w, sliceNotReady, name, "not ready in its EndpointSlice"); err != nil {
		return r, err
	}
	lastMillis, ok := sum.LastAnswerUnixMillis[name]
	if !ok {
		return r, fmt.Errorf("pod %s never answered through %s (answers: %v)", name, url, sum.Answers)
	}
	r.last = time.UnixMicro(int64(lastMillis * 1000))
	if streamEnd.Sub(r.last) < notReadyTail/2 {
		return r, fmt.Errorf("pod %s still answered through %s at %v, near the stream's end", name, url, r.last.Format(time.StampMilli))
	}
	r.notReady, r.slice = notReady.times()[name], sliceNotReady.times()[name]
	if r.notReady.Before(r.failing) {
		return r, fmt.Errorf("pod %s seen not ready at %v, before its /healthz failed at %v", name,
			r.notReady.Format(time.StampMilli), r.failing.Format(time.StampMilli))
	}
	return r, nil
}

// echoStarted is when the echo server of pod name started serving: the
// Docker timestamp of its log's "serving on" line (nanoseconds; the pod's
// status says seconds).
func (e *env) echoStarted(ctx context.Context, docker *client.Client, name string) (time.Time, error) {
	list, err := docker.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(
		filters.Arg("label", cluster.LabelCluster+"="+e.cluster.Name),
		filters.Arg("label", cluster.LabelNamespace+"="+notReadyNamespace),
		filters.Arg("label", cluster.LabelPod+"="+name),
		filters.Arg("label", cluster.LabelContainer+"=echo"))})
	if err != nil {
		return time.Time{}, fmt.Errorf("list the containers of pod %s: %w", name, err)
	}
	if len(list) != 1 {
		return time.Time{}, fmt.Errorf("pod %s has %d echo containers, want 1", name, len(list))
	}
	logs, err := docker.ContainerLogs(ctx, list[0].ID, container.LogsOptions{ShowStdout: true, ShowStderr: true, Timestamps: true, Tail: "all"})
	if err != nil {
		return time.Time{}, fmt.Errorf("read the log of pod %s: %w", name, err)
	}
	defer logs.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, logs); err != nil && !errors.Is(err, io.EOF) {
		return time.Time{}, fmt.Errorf("read the log of pod %s: %w", name, err)
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		stamp, line, ok := strings.Cut(sc.Text(), " ")
		if !ok || !strings.Contains(line, "serving on") {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil {
			return time.Time{}, fmt.Errorf("the log of pod %s: timestamp %q: %w", name, stamp, err)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("the log of pod %s has no \"serving on\" line", name)
}

// notReadyPod is an echo pod labelled app=backend whose readiness probe
// asks path every notReadyPeriod seconds.
func notReadyPod(image, name, path string, env []corev1.EnvVar) *corev1.Pod {
	env = append(env, corev1.EnvVar{Name: "POD_NAME", Value: name})
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "backend"}},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: ptr.To[int64](1),
			Containers: []corev1.Container{{Name: "echo", Image: image, Env: env,
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
				ReadinessProbe: &corev1.Probe{
					ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString("http")}},
					PeriodSeconds: notReadyPeriod, FailureThreshold: notReadyThreshold,
				}}},
		},
	}
}

// awaitNotReadyStage waits, within the bound, until pod name is in s.
func (e *env) awaitNotReadyStage(ctx context.Context, w *podWatch, s *sightings, name, what string) error {
	wctx, cancel := context.WithTimeout(ctx, e.notReady.Bound)
	defer cancel()
	if err := s.waitUntil(wctx, func(seen map[string]time.Time) bool { _, ok := seen[name]; return ok }); err != nil {
		return w.waitError(fmt.Sprintf("pod %s %s within %v", name, what, e.notReady.Bound), err)
	}
	return nil
}

// watchSliceReadiness records each pod the first time a watch of the
// namespace's EndpointSlices shows its endpoint ready, in ready, and the
// first time after that it shows it not ready, in notReady.
func (e *env) watchSliceReadiness(ctx context.Context, ready, notReady *sightings) (stop func(), err error) {
	api := e.kube.DiscoveryV1().EndpointSlices(notReadyNamespace)
	list, err := api.List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("list endpointslices in %s: %w", notReadyNamespace, err)
	}
	lw := &cache.ListWatch{WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		return api.Watch(ctx, o)
	}}
	w, err := watchtools.NewRetryWatcherWithContext(ctx, list.ResourceVersion, lw)
	if err != nil {
		return nil, fmt.Errorf("watch endpointslices in %s: %w", notReadyNamespace, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			at := time.Now()
			slice, ok := ev.Object.(*discoveryv1.EndpointSlice)
			if !ok || ev.Type == watch.Deleted {
				continue
			}
			for _, ep := range slice.Endpoints {
				if ep.TargetRef == nil || ep.Conditions.Ready == nil {
					continue
				}
				if name := ep.TargetRef.Name; *ep.Conditions.Ready {
					ready.see(name, at)
				} else if seen(ready, name) {
					notReady.see(name, at)
				}
			}
		}
	}()
	return func() { w.Stop(); <-done }, nil
}

func podReadyStatus(pod *corev1.Pod) corev1.ConditionStatus {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status
		}
	}
	return corev1.ConditionUnknown
}

func seen(s *sightings, name string) bool { _, ok := s.times()[name]; return ok }

// print prints the not-ready benchmark's setup and its table beside the
// floor.
func (f *notReadyFigures) print(w io.Writer) {
	fmt.Fprintf(w, "pods:     2 echo pods behind a ClusterIP Service; %d times, one of them (a new pod each round) fails its readiness probe (period %ds, failureThreshold %d)\n",
		f.cfg.Rounds, notReadyPeriod, notReadyThreshold)
	fmt.Fprintf(w, "load:     a probe container streams GETs through the ClusterIP, %d at once, each stream pausing %v between them\n", notReadyStreams, notReadyPace)
	fmt.Fprintln(w, "latency:  from the pod's /healthz starting to fail (its echo server's start, stamped by Docker, + FAIL_LIVENESS_AFTER) to its last answer")
	fmt.Fprintln(w, "          through the ClusterIP, and to watches seeing its Ready condition False and its EndpointSlice endpoint not ready; with so few rounds, p99 is the slowest")
	fmt.Fprintf(w, "floor:    the probe's period × (failureThreshold − 1) = %ds: the least the kubelet needs to see the pod fail, its first failed probe\n",
		notReadyPeriod*(notReadyThreshold-1))
	fmt.Fprintf(w, "          coming right at the onset (at most period × failureThreshold = %ds); %d of the stream's requests failed\n",
		notReadyPeriod*notReadyThreshold, f.failed)
	if n := len(f.afterReady); n > 0 {
		fmt.Fprintf(w, "after:    Ready False seen → last answer: p50 %v, max %v (negative: the forwarder acted before this process's watch saw the pod)\n",
			f.afterReady[(n-1)/2].Round(time.Millisecond), f.afterReady[n-1].Round(time.Millisecond))
	}
	fmt.Fprintln(w)
	rows := []load.Row{
		{Name: "probe fails → proxy stops", Result: f.proxy, Compare: ratios(f.proxy, f.floor)},
		{Name: "probe fails → Ready False", Result: f.ready, Compare: ratios(f.ready, f.floor)},
		{Name: "probe fails → EndpointSlice", Result: f.slice, Compare: ratios(f.slice, f.floor)},
		{Name: "period × (threshold−1) (floor)", Result: f.floor},
	}
	_ = load.WriteTable(w, "vs floor p50, p99", rows)
	printErrors(w, []measurement{{op: "probe fails → proxy stops", result: f.proxy}})
}
