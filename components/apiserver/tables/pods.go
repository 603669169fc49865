package tables

import (
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// nodeLostReason is the pod status reason the node lifecycle controller sets
// when it evicts the pods of an unreachable node.
const nodeLostReason = "NodeLost"

func init() {
	p := newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Ready", typeString, "The aggregate readiness state of this pod for accepting traffic."),
		column("Status", typeString, "The aggregate status of the containers in this pod."),
		column("Restarts", typeString, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
		ageColumn,
		wide("IP", typeString, "IP address allocated to the pod."),
		wide("Node", typeString, "The node the pod is bound to."),
		wide("Nominated Node", typeString, "The node the scheduler nominated for the pod after preemption."),
		wide("Readiness Gates", typeString, "Pod conditions that must be true, besides the containers' readiness, for the pod to be ready."),
	}, printPod)
	p.conditions = func(obj runtime.Object) []metav1.TableRowCondition { return podRowConditions(obj.(*corev1.Pod)) }
	register(corev1.SchemeGroupVersion.WithResource("pods").GroupResource(), p)
}

func printPod(pod *corev1.Pod, now time.Time) []interface{} {
	s := summarizePod(pod)
	restarts := strconv.Itoa(s.restarts.count)
	if s.restarts.count != 0 && !s.restarts.last.IsZero() {
		restarts = fmt.Sprintf("%d (%s ago)", s.restarts.count, age(s.restarts.last, now))
	}
	return []interface{}{
		pod.Name, fmt.Sprintf("%d/%d", s.ready, s.total), s.reason, restarts, age(pod.CreationTimestamp, now),
		orNone(podIP(pod)), orNone(pod.Spec.NodeName), orNone(pod.Status.NominatedNodeName), readinessGates(pod),
	}
}

// podRowConditions marks a finished pod's row Completed, as kube does.
func podRowConditions(pod *corev1.Pod) []metav1.TableRowCondition {
	switch pod.Status.Phase {
	case corev1.PodSucceeded:
		return []metav1.TableRowCondition{{Type: metav1.RowCompleted, Status: metav1.ConditionTrue,
			Reason: string(corev1.PodSucceeded), Message: "The pod has completed successfully."}}
	case corev1.PodFailed:
		return []metav1.TableRowCondition{{Type: metav1.RowCompleted, Status: metav1.ConditionTrue,
			Reason: string(corev1.PodFailed), Message: "The pod failed."}}
	}
	return nil
}

// podSummary is what the READY, STATUS and RESTARTS cells say about a pod.
type podSummary struct {
	reason       string
	ready, total int
	restarts     restartTally
	// sidecarRestarts counts only restartable init containers (sidecars),
	// which keep running beside the app containers.
	sidecarRestarts restartTally
}

// restartTally counts container restarts and remembers the latest.
type restartTally struct {
	count int
	last  metav1.Time
}

func (t *restartTally) add(c corev1.ContainerStatus) {
	t.count += int(c.RestartCount)
	if term := c.LastTerminationState.Terminated; term != nil && t.last.Before(&term.FinishedAt) {
		t.last = term.FinishedAt
	}
}

// summarizePod follows kube's printPod: the phase (or the status reason) to
// start with, then the first init container still holding the pod back, else
// the app containers — the first one with a reason to show wins — and last
// the pod's deletion.
func summarizePod(pod *corev1.Pod) podSummary {
	sidecars := restartableInitContainers(pod)
	s := podSummary{reason: phaseReason(pod), total: len(pod.Spec.Containers) + len(sidecars)}
	initializing := s.walkInitContainers(pod, sidecars)
	if !initializing || podConditionTrue(pod, corev1.PodInitialized) {
		s.walkContainers(pod)
	}
	s.reason = deletionReason(pod, s.reason)
	return s
}

func phaseReason(pod *corev1.Pod) string {
	reason := string(pod.Status.Phase)
	if pod.Status.Reason != "" {
		reason = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			reason = corev1.PodReasonSchedulingGated
		}
	}
	return reason
}

// restartableInitContainers names the init containers with restartPolicy
// Always: sidecars, counted among the pod's containers.
func restartableInitContainers(pod *corev1.Pod) map[string]bool {
	sidecars := map[string]bool{}
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars[c.Name] = true
		}
	}
	return sidecars
}

// walkInitContainers goes through the init containers in the order the
// kubelet runs them and stops at the first that is neither done nor a started
// sidecar; it reports whether there was one.
func (s *podSummary) walkInitContainers(pod *corev1.Pod, sidecars map[string]bool) (initializing bool) {
	for i, c := range pod.Status.InitContainerStatuses {
		s.restarts.add(c)
		if sidecars[c.Name] {
			s.sidecarRestarts.add(c)
		}
		switch {
		case c.State.Terminated != nil && c.State.Terminated.ExitCode == 0:
			continue
		case sidecars[c.Name] && c.Started != nil && *c.Started:
			if c.Ready {
				s.ready++
			}
			continue
		}
		s.reason = initReason(c, i, len(pod.Spec.InitContainers))
		return true
	}
	return false
}

// initReason is the STATUS of a pod held back by init container number i of n.
func initReason(c corev1.ContainerStatus, i, n int) string {
	switch {
	case c.State.Terminated != nil:
		return "Init:" + terminatedReason(c.State.Terminated)
	case c.State.Waiting != nil && c.State.Waiting.Reason != "" && c.State.Waiting.Reason != "PodInitializing":
		return "Init:" + c.State.Waiting.Reason
	default:
		return fmt.Sprintf("Init:%d/%d", i, n)
	}
}

func terminatedReason(t *corev1.ContainerStateTerminated) string {
	switch {
	case t.Reason != "":
		return t.Reason
	case t.Signal != 0:
		return fmt.Sprintf("Signal:%d", t.Signal)
	default:
		return fmt.Sprintf("ExitCode:%d", t.ExitCode)
	}
}

// walkContainers goes through the app containers from last to first, so the
// first container with a waiting or terminated reason sets the STATUS.
// Restarts count the app containers and the sidecars only.
func (s *podSummary) walkContainers(pod *corev1.Pod) {
	s.restarts = s.sidecarRestarts
	hasRunning := false
	for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
		c := pod.Status.ContainerStatuses[i]
		s.restarts.add(c)
		switch {
		case c.State.Waiting != nil && c.State.Waiting.Reason != "":
			s.reason = c.State.Waiting.Reason
		case c.State.Terminated != nil:
			s.reason = terminatedReason(c.State.Terminated)
		case c.Ready && c.State.Running != nil:
			hasRunning = true
			s.ready++
		}
	}
	// One container completed while another still runs: the pod is running.
	if s.reason == "Completed" && hasRunning {
		s.reason = "NotReady"
		if podConditionTrue(pod, corev1.PodReady) {
			s.reason = "Running"
		}
	}
}

// deletionReason is the STATUS of a pod being deleted: Unknown if its node
// was lost, Terminating until it has finished.
func deletionReason(pod *corev1.Pod, reason string) string {
	switch {
	case pod.DeletionTimestamp == nil:
		return reason
	case pod.Status.Reason == nodeLostReason:
		return "Unknown"
	case pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed:
		return "Terminating"
	}
	return reason
}

// podConditionTrue reports whether the pod's first condition of type t is True.
func podConditionTrue(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podIP is the pod's first IP; status.podIP stands in for an empty podIPs, as
// kube's conversion does.
func podIP(pod *corev1.Pod) string {
	if len(pod.Status.PodIPs) > 0 {
		return pod.Status.PodIPs[0].IP
	}
	return pod.Status.PodIP
}

// readinessGates is "true/all" of the pod's readiness gates, "<none>" without any.
func readinessGates(pod *corev1.Pod) string {
	if len(pod.Spec.ReadinessGates) == 0 {
		return none
	}
	met := 0
	for _, g := range pod.Spec.ReadinessGates {
		if podConditionTrue(pod, g.ConditionType) {
			met++
		}
	}
	return fmt.Sprintf("%d/%d", met, len(pod.Spec.ReadinessGates))
}
