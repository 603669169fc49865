package kubelet

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

//ownkube:begin stage=1

// Status computes a pod's status from what runs for it at time now. It
// starts from a copy of the pod's current status and never changes pod
// itself (it comes from the informer's cache). It keeps what the kubelet
// does not decide: the PodScheduled condition as the scheduler set it, the
// QoS class the API server set, and hostIP and hostIPs. It sets:
//
//   - the phase: Pending until every container has started, Running while
//     any runs or will be restarted, Succeeded when all exited 0 for good,
//     Failed when all exited for good and one failed;
//   - podIP and podIPs from the running sandbox;
//   - startTime once: now, at the first status; a startTime already set is
//     kept, across syncs and container restarts;
//   - one ContainerStatus per container, in spec order (containerStatus);
//   - the conditions Initialized (always True: there are no init
//     containers), ContainersReady and Ready (both True when the phase is
//     Running and every container is ready, else False with reason
//     ContainersNotReady). Each condition's lastTransitionTime is now when
//     it first appears or its status changes, and is kept as it was while
//     its status stays the same.
func Status(pod *corev1.Pod, observed podstate.Pod, probes podstate.Probes, now time.Time) (corev1.PodStatus, error) {
	status := *pod.Status.DeepCopy()
	if status.StartTime == nil {
		status.StartTime = &metav1.Time{Time: now}
	}
	if sb := observed.Sandbox(); sb != nil && sb.State == podstate.Running && sb.IP != "" {
		status.PodIP, status.PodIPs = sb.IP, []corev1.PodIP{{IP: sb.IP}}
	}
	status.ContainerStatuses = make([]corev1.ContainerStatus, 0, len(pod.Spec.Containers))
	allReady := true
	for i := range pod.Spec.Containers {
		cs := containerStatus(pod, &pod.Spec.Containers[i], observed, probes)
		allReady = allReady && cs.Ready
		status.ContainerStatuses = append(status.ContainerStatuses, cs)
	}
	status.Phase = phase(pod, observed)
	ready := allReady && status.Phase == corev1.PodRunning
	status.Conditions = setCondition(status.Conditions, corev1.PodInitialized, true, "", now)
	status.Conditions = setCondition(status.Conditions, corev1.ContainersReady, ready, "ContainersNotReady", now)
	status.Conditions = setCondition(status.Conditions, corev1.PodReady, ready, "ContainersNotReady", now)
	return status, nil
}

// phase follows the kubelet's own rules (getPhase in Kubernetes).
func phase(pod *corev1.Pod, observed podstate.Pod) corev1.PodPhase {
	var waiting, running, succeeded, failed int
	for _, c := range pod.Spec.Containers {
		switch latest := observed.Latest(c.Name); {
		case latest == nil || latest.State == podstate.Created && latest.RestartCount == 0:
			waiting++
		case latest.State == podstate.Running:
			running++
		case ShouldRestart(pod.Spec.RestartPolicy, latest):
			running++ // it ran and will run again
		case latest.ExitCode == 0:
			succeeded++
		default:
			failed++
		}
	}
	switch {
	case waiting > 0:
		return corev1.PodPending
	case running > 0:
		return corev1.PodRunning
	case failed > 0:
		return corev1.PodFailed
	}
	return corev1.PodSucceeded
}

// containerStatus is the status of container c: its name and image,
// imageID "docker://<image>", and
//
//   - no attempt yet: Waiting, with reason ErrImageNeverPull and a message
//     saying to build the image when the image is missing, else
//     ContainerCreating (also while the newest attempt is only created);
//   - the newest attempt running: Running since its start, started, ready
//     as its readiness probe says (probes.Ready);
//   - the newest attempt exited and to be restarted (ShouldRestart):
//     Waiting with reason CrashLoopBackOff, and that attempt as
//     lastState.terminated;
//   - exited for good: Terminated (terminated), not started.
//
// Once an attempt has started, containerID is "docker://<its ID>" and
// restartCount its RestartCount. lastState.terminated is the attempt before
// the newest (previous), if one is kept, except while backing off.
func containerStatus(pod *corev1.Pod, c *corev1.Container, observed podstate.Pod, probes podstate.Probes) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: "docker://" + c.Image}
	latest := observed.Latest(c.Name)
	if prev := previous(observed, c.Name, latest); prev != nil {
		cs.LastTerminationState = corev1.ContainerState{Terminated: terminated(prev)}
	}
	switch {
	case latest == nil && observed.MissingImages[c.Image]:
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ErrImageNeverPull",
			Message: fmt.Sprintf("Container image %q is not present on the node and this cluster never pulls: build it with `make images`", c.Image)}
		return cs
	case latest == nil || latest.State == podstate.Created:
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
		return cs
	}
	cs.ContainerID, cs.RestartCount = "docker://"+latest.ID, int32(latest.RestartCount)
	if latest.State == podstate.Running {
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: metav1.Time{Time: latest.StartedAt}}
		cs.Started, cs.Ready = ptrTo(true), probes.Ready[c.Name]
		return cs
	}
	cs.Started = ptrTo(false)
	if ShouldRestart(pod.Spec.RestartPolicy, latest) {
		cs.LastTerminationState = corev1.ContainerState{Terminated: terminated(latest)}
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off restarting failed container %s in pod %s_%s(%s)", c.Name, pod.Name, pod.Namespace, pod.UID)}
		return cs
	}
	cs.State.Terminated = terminated(latest)
	return cs
}

// previous returns the attempt of a container before the newest, if kept.
func previous(observed podstate.Pod, name string, latest *podstate.Container) *podstate.Container {
	var prev *podstate.Container
	for i := range observed.Containers {
		c := &observed.Containers[i]
		if c.Name == name && c != latest && c.State == podstate.Exited && (prev == nil || c.RestartCount > prev.RestartCount) {
			prev = c
		}
	}
	return prev
}

// terminated is the Terminated state of an exited attempt: its exit code
// and reason, containerID "docker://<its ID>", and when it started and
// finished.
func terminated(c *podstate.Container) *corev1.ContainerStateTerminated {
	return &corev1.ContainerStateTerminated{
		ExitCode: int32(c.ExitCode), Reason: c.Reason, ContainerID: "docker://" + c.ID,
		StartedAt: metav1.Time{Time: c.StartedAt}, FinishedAt: metav1.Time{Time: c.FinishedAt},
	}
}

// setCondition sets a condition, keeping its transition time unless its
// status changes.
func setCondition(conds []corev1.PodCondition, typ corev1.PodConditionType, ok bool, reason string, now time.Time) []corev1.PodCondition {
	c := corev1.PodCondition{Type: typ, Status: corev1.ConditionFalse, Reason: reason, LastTransitionTime: metav1.Time{Time: now}}
	if ok {
		c.Status, c.Reason = corev1.ConditionTrue, ""
	}
	for i := range conds {
		if conds[i].Type == typ {
			if conds[i].Status == c.Status {
				c.LastTransitionTime = conds[i].LastTransitionTime
			}
			conds[i] = c
			return conds
		}
	}
	return append(conds, c)
}

//ownkube:end
