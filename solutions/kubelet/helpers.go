package kubelet

// Given helpers for Plan and Status: the learner's files (plan.go,
// status.go) hold only the regions the learner writes.

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// teardown stops and removes everything a pod has on the node.
func teardown(observed podstate.Pod, grace time.Duration) []podstate.Action {
	actions := teardownContainers(observed, grace)
	for _, sb := range observed.Sandboxes {
		if sb.State == podstate.Running {
			actions = append(actions, podstate.KillSandbox{ID: sb.ID})
		}
	}
	for _, c := range observed.Containers {
		actions = append(actions, podstate.RemoveContainer{ID: c.ID})
	}
	for _, sb := range observed.Sandboxes {
		actions = append(actions, podstate.RemoveContainer{ID: sb.ID})
	}
	return actions
}

// teardownContainers kills the running app containers of a pod.
func teardownContainers(observed podstate.Pod, grace time.Duration) []podstate.Action {
	var actions []podstate.Action
	for _, c := range observed.Containers {
		if c.State == podstate.Running {
			actions = append(actions, podstate.KillContainer{ID: c.ID, Name: c.Name, Grace: grace, Reason: "Killing"})
		}
	}
	return actions
}

// removeOld removes exited attempts older than the two newest of each
// container, and sandboxes older than the newest: the newest attempt stays,
// and the one before it, whose exit code is the container's lastState and
// whose output kubectl logs --previous shows.
func removeOld(observed podstate.Pod) []podstate.Action {
	var actions []podstate.Action
	for _, c := range observed.Containers {
		latest := observed.Latest(c.Name)
		if latest == nil || latest.ID == c.ID || c.State == podstate.Running {
			continue
		}
		if prev := previousOf(observed, latest); prev == nil || prev.ID != c.ID {
			actions = append(actions, podstate.RemoveContainer{ID: c.ID})
		}
	}
	for i, sb := range observed.Sandboxes {
		if i > 0 && sb.State != podstate.Running {
			actions = append(actions, podstate.RemoveContainer{ID: sb.ID})
		}
	}
	return actions
}

// previousOf returns the newest exited attempt of latest's container
// before latest, or nil.
func previousOf(observed podstate.Pod, latest *podstate.Container) *podstate.Container {
	var prev *podstate.Container
	for i := range observed.Containers {
		c := &observed.Containers[i]
		if c.Name == latest.Name && c.ID != latest.ID && c.State == podstate.Exited && c.RestartCount < latest.RestartCount &&
			(prev == nil || c.RestartCount > prev.RestartCount) {
			prev = c
		}
	}
	return prev
}

// podFinished reports whether every container of the pod has run and none
// will run again: the pod is Succeeded or Failed for good.
func podFinished(pod *corev1.Pod, observed podstate.Pod) bool {
	for _, c := range pod.Spec.Containers {
		latest := observed.Latest(c.Name)
		if latest == nil || latest.State == podstate.Running || ShouldRestart(pod.Spec.RestartPolicy, latest) {
			return false
		}
	}
	return len(pod.Spec.Containers) > 0
}

// nextAttempt is the attempt number of a container's next start.
func nextAttempt(latest *podstate.Container) int {
	if latest == nil {
		return 0
	}
	return latest.RestartCount + 1
}

// gracePeriod is how long a deleted pod's containers get between SIGTERM
// and SIGKILL: what the delete asked for, else the pod's own setting.
func gracePeriod(pod *corev1.Pod) time.Duration {
	switch {
	case pod == nil:
		return 0
	case pod.DeletionGracePeriodSeconds != nil:
		return time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		return time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	return corev1.DefaultTerminationGracePeriodSeconds * time.Second
}

func ptrTo[T any](v T) *T { return &v }
