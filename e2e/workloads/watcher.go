package workloads

import (
	"context"
	"fmt"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ownkube/ownkube/e2e/framework"
)

// podWatcher follows every pod of a namespace through a watch started from
// a list, so it sees the whole of what happens from its start, and calls
// check after each event with the pods as they then are. A finished pod no
// longer counts, nor, unless terminating is set, one being deleted.
type podWatcher struct {
	terminating bool
	mu          sync.Mutex
	pods        map[types.UID]*corev1.Pod
	problems    []string
	events      int
	// watched counts the events the watch itself delivered: events counts
	// the listed pods too, which would hide a watch that sends nothing.
	watched int
	stop    context.CancelFunc
	done    chan struct{}
}

// watchPods starts a podWatcher on ns; check returns a problem, or "".
// With terminating set, a pod being deleted counts until it is gone: its
// containers may still run.
func watchPods(ctx context.Context, ns string, terminating bool, check func(pods []*corev1.Pod) string) *podWatcher {
	GinkgoHelper()
	list, err := framework.Client().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	Expect(err).NotTo(HaveOccurred(), "list the pods of %s", ns)
	w, err := framework.Client().CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	Expect(err).NotTo(HaveOccurred(), "watch the pods of %s", ns)
	ctx, cancel := context.WithCancel(ctx)
	pw := &podWatcher{terminating: terminating, pods: map[types.UID]*corev1.Pod{}, stop: cancel, done: make(chan struct{})}
	// The listed pods are the state the watch starts from: checked once,
	// all together, not one by one as they were listed.
	pw.mu.Lock()
	for i := range list.Items {
		pw.record(watch.Added, &list.Items[i])
	}
	pw.check("the list the watch started from", check)
	pw.mu.Unlock()
	go func() {
		defer close(pw.done)
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, open := <-w.ResultChan():
				if !open {
					pw.mu.Lock()
					pw.problems = append(pw.problems, "the watch closed before the spec ended")
					pw.mu.Unlock()
					return
				}
				if pod, ok := ev.Object.(*corev1.Pod); ok {
					pw.apply(ev.Type, pod, check)
				}
			}
		}
	}()
	DeferCleanup(pw.finish)
	return pw
}

func (pw *podWatcher) apply(typ watch.EventType, pod *corev1.Pod, check func([]*corev1.Pod) string) {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	pw.watched++
	pw.record(typ, pod)
	pw.check(fmt.Sprintf("%s of %s", typ, pod.Name), check)
}

// record applies one event to the pods that count. Call with mu held.
func (pw *podWatcher) record(typ watch.EventType, pod *corev1.Pod) {
	pw.events++
	if typ == watch.Deleted || (pod.DeletionTimestamp != nil && !pw.terminating) ||
		pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		delete(pw.pods, pod.UID)
	} else {
		pw.pods[pod.UID] = pod
	}
}

// check runs check on the pods that count and keeps what it finds. Call
// with mu held.
func (pw *podWatcher) check(after string, check func([]*corev1.Pod) string) {
	pods := make([]*corev1.Pod, 0, len(pw.pods))
	for _, p := range pw.pods {
		pods = append(pods, p)
	}
	if problem := check(pods); problem != "" && len(pw.problems) < 10 {
		pw.problems = append(pw.problems, fmt.Sprintf("after event %d (%s): %s", pw.events, after, problem))
	}
}

// finish stops the watcher and returns the problems it saw.
func (pw *podWatcher) finish() []string {
	pw.stop()
	<-pw.done
	pw.mu.Lock()
	defer pw.mu.Unlock()
	return pw.problems
}

// expectNoProblems stops the watcher and fails on any problem it saw, or
// when its watch delivered no event at all: every spec that uses it
// changes the pods while it watches, and a watch that sent nothing checked
// nothing.
func (pw *podWatcher) expectNoProblems(what string) {
	GinkgoHelper()
	problems := pw.finish()
	pw.mu.Lock()
	events, watched := pw.events, pw.watched
	pw.mu.Unlock()
	Expect(problems).To(BeEmpty(), "%s; the watcher saw %d events", what, events)
	Expect(watched).To(BeNumerically(">", 0), "the watch delivered no event while the pods changed: nothing was checked")
}

// hashOf is a pod's pod-template-hash: which ReplicaSet of a Deployment made it.
func hashOf(p *corev1.Pod) string { return p.Labels[appsv1.DefaultDeploymentUniqueLabelKey] }
