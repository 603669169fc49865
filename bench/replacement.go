package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/bench/load"
	"github.com/ownkube/ownkube/components/images"
)

// replacementConfig is the ReplicaSet replacement benchmark's share of the
// command line.
type replacementConfig struct {
	// Rounds is how many times a pod is deleted and its replacement
	// awaited, and how many bare pods the floor starts.
	Rounds int
	// Bound is how long a replacement, or a floor pod, may take to be
	// Running; one that takes longer is an error, and ends the rounds.
	Bound time.Duration
}

// replacementNamespace holds the ReplicaSet and the floor's pods.
const replacementNamespace = "bench-replacement"

// replacementFigures is what the replacement benchmark measured.
type replacementFigures struct {
	cfg   replacementConfig
	nodes int
	image string
	// replaced has, per round, the time from the delete request of the
	// ReplicaSet's pod to a watch seeing its replacement Running.
	replaced load.Result
	// floor has, per bare pod, the time from its create request to a watch
	// seeing it Running: the pod startup the replacement includes.
	floor load.Result
}

// benchReplacement measures how fast a ReplicaSet replaces a lost pod: the
// controller's reaction on top of a pod's startup. First the floor: bare
// pods created one after another, each timed to Running. Then a ReplicaSet
// of one pod, whose pod is deleted Rounds times, each round timed from the
// delete to the new pod seen Running.
func benchReplacement(ctx context.Context, e *env) (findings, error) {
	cfg := e.replacement
	echo, err := images.Tag("echo", defaultImpl)
	if err != nil {
		return findings{}, err
	}
	fig := &replacementFigures{cfg: cfg, nodes: len(e.cluster.Nodes), image: echo}
	f := findings{replacement: fig}
	if err := e.newNamespace(ctx, replacementNamespace); err != nil {
		return f, err
	}
	running, gone := newSightings(), newSightings()
	w, err := watchPods(ctx, e.kube, replacementNamespace, func(t watch.EventType, pod *corev1.Pod, at time.Time) {
		switch {
		case t == watch.Deleted:
			gone.see(pod.Name, at)
		case pod.Status.Phase == corev1.PodRunning && pod.DeletionTimestamp == nil:
			running.see(pod.Name, at)
		}
	})
	if err != nil {
		return f, err
	}
	defer w.Stop()

	fmt.Fprintf(e.progress, "Measuring the floor: %d bare pods, one after another ...\n", cfg.Rounds)
	fig.floor = e.replacementFloor(ctx, w, echo, running, gone)
	fmt.Fprintf(e.progress, " ✓ floor: %d Running, %d failed\n", len(fig.floor.Latencies), fig.floor.Errors)
	if err := ctx.Err(); err != nil {
		return f, err
	}
	fmt.Fprintf(e.progress, "Deleting a ReplicaSet's pod %d times ...\n", cfg.Rounds)
	fig.replaced, err = e.replacementRounds(ctx, w, echo, running, gone)
	fmt.Fprintf(e.progress, " ✓ replaced: %d Running, %d failed\n", len(fig.replaced.Latencies), fig.replaced.Errors)
	return f, err
}

// replacementFloor creates the floor's pods one at a time, each timed from
// its create to Running, and deletes each before the next.
func (e *env) replacementFloor(ctx context.Context, w *podWatch, image string, running, gone *sightings) load.Result {
	cfg := e.replacement
	pods := e.kube.CoreV1().Pods(replacementNamespace)
	res := load.Result{Planned: cfg.Rounds}
	start := time.Now()
	for i := range cfg.Rounds {
		if ctx.Err() != nil {
			break
		}
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("floor-%03d", i)}, Spec: replacementPodSpec(image)}
		res.Sent++
		sent := time.Now()
		took, err := func() (time.Duration, error) {
			if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
				return 0, fmt.Errorf("create pod %s: %w", pod.Name, err)
			}
			if err := e.awaitSeen(ctx, w, running, pod.Name, "Running"); err != nil {
				return 0, err
			}
			return running.times()[pod.Name].Sub(sent), nil
		}()
		if err != nil {
			res.Errors++
			res.ErrorSamples = appendSample(res.ErrorSamples, err)
		} else {
			res.Latencies = append(res.Latencies, took)
		}
		if err := pods.Delete(ctx, pod.Name, metav1.DeleteOptions{}); err == nil {
			_ = e.awaitSeen(ctx, w, gone, pod.Name, "gone")
		}
	}
	res.Window = time.Since(start)
	slices.Sort(res.Latencies)
	return res
}

// replacementRounds creates the ReplicaSet and deletes its pod round after
// round, timing each replacement.
func (e *env) replacementRounds(ctx context.Context, w *podWatch, image string, running, gone *sightings) (load.Result, error) {
	cfg := e.replacement
	labels := map[string]string{"app": "bench-replacement"}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: replacementPodSpec(image)},
		},
	}
	res := load.Result{Planned: cfg.Rounds}
	if _, err := e.kube.AppsV1().ReplicaSets(replacementNamespace).Create(ctx, rs, metav1.CreateOptions{}); err != nil {
		return res, fmt.Errorf("create ReplicaSet web: %w", err)
	}
	current, err := e.awaitNewPod(ctx, w, running, nil)
	if err != nil {
		return res, fmt.Errorf("the ReplicaSet's first pod: %w", err)
	}
	seen := []string{current}
	start := time.Now()
	for range cfg.Rounds {
		if ctx.Err() != nil {
			break
		}
		res.Sent++
		sent := time.Now()
		if err := e.kube.CoreV1().Pods(replacementNamespace).Delete(ctx, current, metav1.DeleteOptions{}); err != nil {
			return res, fmt.Errorf("delete pod %s: %w", current, err)
		}
		next, err := e.awaitNewPod(ctx, w, running, seen)
		if err != nil {
			res.Errors++
			res.ErrorSamples = appendSample(res.ErrorSamples, err)
			break // without a replacement there is nothing to delete next
		}
		res.Latencies = append(res.Latencies, running.times()[next].Sub(sent))
		// Start the next round from a steady state: the old pod gone.
		_ = e.awaitSeen(ctx, w, gone, current, "gone")
		current, seen = next, append(seen, next)
	}
	res.Window = time.Since(start)
	slices.Sort(res.Latencies)
	return res, ctx.Err()
}

func replacementPodSpec(image string) corev1.PodSpec {
	return corev1.PodSpec{
		TerminationGracePeriodSeconds: ptr.To[int64](1),
		Containers:                    []corev1.Container{{Name: "echo", Image: image}},
	}
}

// awaitSeen waits, within the bound, until pod name has been seen in s.
func (e *env) awaitSeen(ctx context.Context, w *podWatch, s *sightings, name, what string) error {
	wctx, cancel := context.WithTimeout(ctx, e.replacement.Bound)
	defer cancel()
	if err := s.waitUntil(wctx, func(seen map[string]time.Time) bool { _, ok := seen[name]; return ok }); err != nil {
		return w.waitError(fmt.Sprintf("pod %s %s within %v", name, what, e.replacement.Bound), err)
	}
	return nil
}

// awaitNewPod waits, within the bound, for a pod not in old to be seen
// Running, and returns its name.
func (e *env) awaitNewPod(ctx context.Context, w *podWatch, running *sightings, old []string) (string, error) {
	wctx, cancel := context.WithTimeout(ctx, e.replacement.Bound)
	defer cancel()
	var found string
	err := running.waitUntil(wctx, func(seen map[string]time.Time) bool {
		for name := range seen {
			if !slices.Contains(old, name) && !isFloorPod(name) {
				found = name
				return true
			}
		}
		return false
	})
	if err != nil {
		return "", w.waitError(fmt.Sprintf("a replacement Running within %v", e.replacement.Bound), err)
	}
	return found, nil
}

func isFloorPod(name string) bool { return len(name) > 6 && name[:6] == "floor-" }

func appendSample(samples []string, err error) []string {
	if len(samples) < maxErrorSamples {
		return append(samples, err.Error())
	}
	return samples
}

// print prints the replacement benchmark's setup and its table beside the
// floor.
func (f *replacementFigures) print(w io.Writer) {
	c := f.cfg
	fmt.Fprintf(w, "pods:     a ReplicaSet of 1 × %s on %d Docker nodes; its pod deleted %d times, one round after another\n", f.image, f.nodes, c.Rounds)
	fmt.Fprintln(w, "latency:  from the pod's delete request to a watch seeing its replacement Running (the ReplicaSet controller's reaction, then a pod startup)")
	fmt.Fprintf(w, "floor:    %d bare pods of the same spec, one after another, from each create request to a watch seeing it Running; of %d, p99 is the slowest\n", c.Rounds, c.Rounds)
	fmt.Fprintln(w)
	rows := []load.Row{{Name: "replacement", Result: f.replaced, Compare: ratios(f.replaced, f.floor)}}
	if f.floor.Planned > 0 {
		rows = append(rows, load.Row{Name: "pod startup (floor)", Result: f.floor})
	}
	_ = load.WriteTable(w, "vs floor p50, p99", rows)
	printErrors(w, []measurement{{op: "replacement", result: f.replaced}, {op: "pod startup (floor)", result: f.floor}})
}
