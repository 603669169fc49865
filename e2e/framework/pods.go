package framework

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// Timeouts of waits on pods that kubelets run. A pod starts in about a
// second on an idle machine; these leave room for a loaded one with two
// cores, and still end a hung spec in tens of seconds.
const (
	// PodStartTimeout bounds a pod's way to Running: scheduled, sandbox
	// and containers started, status reported.
	PodStartTimeout = 60 * time.Second
	// PodDeleteTimeout bounds a pod's way out: its kubelet stops and
	// removes its containers, then confirms the deletion.
	PodDeleteTimeout = 60 * time.Second
	// Poll is how often the waits here look again.
	Poll = 200 * time.Millisecond
)

// DeletePodsAfterSpec deletes, after the spec, every pod of namespace ns
// and waits until they are gone: a pod bound to a node goes only once its
// kubelet has removed its containers, and must be gone before its
// namespace is. Call it after NewNamespace, so that it runs first. When a
// stub of the learner's stands behind ns, the pods are deleted at once
// (grace period 0) and not waited for: a kubelet whose core is a stub
// confirms no deletion, and a Job behind a stub keeps making pods.
func DeletePodsAfterSpec(ns string) {
	DeferCleanup(func(ctx SpecContext) {
		pods := Client().CoreV1().Pods(ns)
		Expect(pods.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})).To(Succeed(),
			"delete the pods of namespace %s", ns)
		Eventually(ctx, func(g Gomega) {
			if ReleasePodsOfStub(ctx, ns) {
				return // a controller behind a stub may make more: the namespace's deletion takes them
			}
			list, err := pods.List(ctx, metav1.ListOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(podNames(list.Items)).To(BeEmpty())
		}).WithTimeout(PodDeleteTimeout).WithPolling(Poll).Should(Succeed(),
			"waiting for the kubelets to remove the pods of namespace %s", ns)
	}, NodeTimeout(PodDeleteTimeout+10*time.Second))
}

// DeletePod deletes pod ns/name and waits until it is gone from the API.
func DeletePod(ctx context.Context, ns, name string) {
	GinkgoHelper()
	pods := Client().CoreV1().Pods(ns)
	err := pods.Delete(ctx, name, metav1.DeleteOptions{})
	if !apierrors.IsNotFound(err) {
		Expect(err).NotTo(HaveOccurred(), "delete pod %s/%s", ns, name)
	}
	Eventually(ctx, func() error {
		pod, err := pods.Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			stopIfPodNotImplemented(pod, "pod "+ns+"/"+name+" to be gone")
		}
		return err
	}).WithTimeout(PodDeleteTimeout).WithPolling(Poll).Should(Satisfy(apierrors.IsNotFound),
		"waiting for pod %s/%s to be gone", ns, name)
}

// WaitForPod gets pod ns/name until check passes, and returns the pod it
// passed on. awaited says what is waited for, in the failure message.
func WaitForPod(ctx context.Context, ns, name string, timeout time.Duration, awaited string, check func(g Gomega, pod *corev1.Pod)) *corev1.Pod {
	GinkgoHelper()
	var pod *corev1.Pod
	Eventually(ctx, func(g Gomega) {
		p, err := Client().CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		StopIfNotImplemented(ctx, ns, fmt.Sprintf("pod %s/%s: %s", ns, name, awaited))
		check(g, p)
		pod = p
	}).WithTimeout(timeout).WithPolling(Poll).Should(Succeed(), "waiting for pod %s/%s: %s", ns, name, awaited)
	return pod
}

// WatchPods watches the pods of namespace ns from now on: the watch is
// started from a list's resourceVersion, so nothing done after the call is
// missed. It is stopped after the spec.
func WatchPods(ctx context.Context, ns string) watch.Interface {
	GinkgoHelper()
	pods := Client().CoreV1().Pods(ns)
	list, err := pods.List(ctx, metav1.ListOptions{})
	Expect(err).NotTo(HaveOccurred(), "list the pods of namespace %s", ns)
	w, err := pods.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	Expect(err).NotTo(HaveOccurred(), "watch the pods of namespace %s", ns)
	DeferCleanup(w.Stop)
	return w
}

// AwaitPodEvent reads w, a watch of pods, until an event for which done
// answers true arrives, and returns it. The failure message says what was
// awaited and the last pod seen.
func AwaitPodEvent(ctx context.Context, w watch.Interface, timeout time.Duration, awaited string, done func(typ watch.EventType, pod *corev1.Pod) bool) (watch.EventType, *corev1.Pod) {
	GinkgoHelper()
	var (
		last   string
		gotTyp watch.EventType
		got    *corev1.Pod
		ns     string    // of the pods watched, once one is seen
		looked time.Time // when the namespace was last looked at for stubs
	)
	// arrived reads every event that has arrived, and reports whether one
	// of them is the one awaited.
	arrived := func() bool {
		for {
			select {
			case ev, open := <-w.ResultChan():
				if !open {
					StopTrying("the watch has closed; the last event was " + orNone(last)).Now()
				}
				pod, ok := ev.Object.(*corev1.Pod)
				if !ok {
					last = fmt.Sprintf("%s event of a %T: %v", ev.Type, ev.Object, ev.Object)
					continue
				}
				last = fmt.Sprintf("%s of %s", ev.Type, DescribePod(pod))
				if done(ev.Type, pod) {
					gotTyp, got = ev.Type, pod
					return true
				}
				stopIfPodNotImplemented(pod, awaited)
				ns = pod.Namespace
			default:
				return false
			}
		}
	}
	// A stub behind the namespace, other than on the pods themselves (a
	// node whose Ready condition is a stub), is looked for now and then.
	arrivedOrStub := func() bool {
		if arrived() {
			return true
		}
		if ns != "" && time.Since(looked) > time.Second {
			looked = time.Now()
			StopIfNotImplemented(ctx, ns, "a watch event: "+awaited)
		}
		return false
	}
	Eventually(ctx, arrivedOrStub).WithTimeout(timeout).WithPolling(20*time.Millisecond).Should(BeTrue(), func() string {
		return fmt.Sprintf("waiting for a watch event: %s; the last event was %s", awaited, orNone(last))
	})
	return gotTyp, got
}

// stopIfPodNotImplemented stops the Eventually that calls it when pod
// carries the condition that says a stub stands in its way.
func stopIfPodNotImplemented(pod *corev1.Pod, awaited string) {
	if msg := PodNotImplemented(pod); msg != "" {
		StopTrying(stubMessage(awaited, msg)).Now()
	}
}

// DescribePod is a one-line summary of a pod's state, for failure messages.
func DescribePod(pod *corev1.Pod) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pod %s/%s phase=%s node=%q ip=%q", pod.Namespace, pod.Name, pod.Status.Phase, pod.Spec.NodeName, pod.Status.PodIP)
	for _, c := range pod.Status.Conditions {
		fmt.Fprintf(&b, " %s=%s", c.Type, c.Status)
		if c.Reason != "" {
			fmt.Fprintf(&b, "(%s)", c.Reason)
		}
	}
	for _, cs := range pod.Status.ContainerStatuses {
		fmt.Fprintf(&b, " [%s restarts=%d ready=%t %s]", cs.Name, cs.RestartCount, cs.Ready, describeState(cs.State))
	}
	if pod.DeletionTimestamp != nil {
		b.WriteString(" (being deleted)")
	}
	return b.String()
}

func describeState(s corev1.ContainerState) string {
	switch {
	case s.Waiting != nil:
		return "waiting:" + s.Waiting.Reason
	case s.Running != nil:
		return "running"
	case s.Terminated != nil:
		return fmt.Sprintf("terminated:%s(exit %d)", s.Terminated.Reason, s.Terminated.ExitCode)
	}
	return "no state"
}

// PodCondition returns the pod's condition of type typ, or nil.
func PodCondition(pod *corev1.Pod, typ corev1.PodConditionType) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == typ {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// IsPodReady reports whether the pod's Ready condition is True.
func IsPodReady(pod *corev1.Pod) bool {
	c := PodCondition(pod, corev1.PodReady)
	return c != nil && c.Status == corev1.ConditionTrue
}

// ContainerStatus returns the status of the pod's container name, or nil.
func ContainerStatus(pod *corev1.Pod, name string) *corev1.ContainerStatus {
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Name == name {
			return &pod.Status.ContainerStatuses[i]
		}
	}
	return nil
}

func podNames(pods []corev1.Pod) []string {
	names := make([]string, len(pods))
	for i, p := range pods {
		names[i] = DescribePod(&p)
	}
	return names
}

func orNone(s string) string {
	if s == "" {
		return "(none yet)"
	}
	return s
}
