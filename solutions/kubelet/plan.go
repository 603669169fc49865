package kubelet

import (
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

//ownkube:begin stage=1

// Plan returns the actions that bring what runs for one pod (observed)
// toward its spec, in the order they must happen:
//
//   - a pod being deleted (deletionTimestamp set), or no longer meant for
//     this node (pod nil), is torn down: running containers are killed
//     (reason "Killing") with the pod's grace period (gracePeriod; 0 for a
//     nil pod), then the sandbox, then everything is removed; an empty plan
//     then means the pod is gone from the node;
//   - otherwise the sandbox is created if none runs, and each container
//     that has not run yet is started; one whose liveness probe failed is
//     killed (reason "Unhealthy", the pod's grace period); one that exited
//     is restarted when the restart policy says so and its back-off
//     (RestartDelay of its restartCount, counted from its FinishedAt) has
//     passed, else WaitUntil{At: the end of the back-off, Reason:
//     "back-off restarting <container name>"} says when to look again; a
//     container whose image is missing is left alone;
//   - older attempts of a container are removed, keeping the newest; once
//     no container will run again the sandbox is killed, freeing its IP.
func Plan(pod *corev1.Pod, observed podstate.Pod, probes podstate.Probes, now time.Time, policy podstate.Policy) ([]podstate.Action, error) {
	if pod == nil || pod.DeletionTimestamp != nil {
		return teardown(observed, gracePeriod(pod)), nil
	}
	var actions []podstate.Action
	if sb := observed.Sandbox(); sb == nil || sb.State != podstate.Running {
		if podFinished(pod, observed) {
			return removeOld(observed), nil
		}
		actions = append(actions, teardownContainers(observed, 0)...)
		actions = append(actions, podstate.CreateSandbox{})
		for _, c := range pod.Spec.Containers {
			if !observed.MissingImages[c.Image] {
				actions = append(actions, podstate.StartContainer{Name: c.Name, RestartCount: nextAttempt(observed.Latest(c.Name))})
			}
		}
		return actions, nil
	}
	for i := range pod.Spec.Containers {
		actions = append(actions, planContainer(pod, &pod.Spec.Containers[i], observed, probes, now, policy)...)
	}
	actions = append(actions, removeOld(observed)...)
	if podFinished(pod, observed) {
		actions = append(actions, podstate.KillSandbox{ID: observed.Sandbox().ID})
	}
	return actions, nil
}

// planContainer decides for one container of a pod whose sandbox runs.
func planContainer(pod *corev1.Pod, c *corev1.Container, observed podstate.Pod, probes podstate.Probes, now time.Time, policy podstate.Policy) []podstate.Action {
	latest := observed.Latest(c.Name)
	switch {
	case observed.MissingImages[c.Image]:
		return nil
	case latest == nil:
		return []podstate.Action{podstate.StartContainer{Name: c.Name}}
	case latest.State == podstate.Running && probes.LivenessFailed[c.Name]:
		return []podstate.Action{podstate.KillContainer{ID: latest.ID, Name: c.Name, Grace: gracePeriod(pod), Reason: "Unhealthy"}}
	case latest.State == podstate.Running:
		return nil
	case !ShouldRestart(pod.Spec.RestartPolicy, latest):
		return nil
	}
	delay, err := RestartDelay(latest.RestartCount, policy)
	if err != nil {
		return nil
	}
	if at := latest.FinishedAt.Add(delay); now.Before(at) {
		return []podstate.Action{podstate.WaitUntil{At: at, Reason: "back-off restarting " + c.Name}}
	}
	return []podstate.Action{podstate.StartContainer{Name: c.Name, RestartCount: latest.RestartCount + 1}}
}

// ShouldRestart applies a pod's restart policy to a container that is no
// longer running: Always restarts it, OnFailure only after a non-zero exit
// (or a start that failed), Never does not.
func ShouldRestart(restartPolicy corev1.RestartPolicy, c *podstate.Container) bool {
	switch restartPolicy {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return c.State == podstate.Created || c.ExitCode != 0
	}
	return true
}

// RestartDelay is how long to wait after attempt restartCount of a
// container ended before starting the next, as the kubelet of Kubernetes
// does: the first attempt (0) is restarted at once; after that the wait is
// the back-off base, doubled for each further restart, never more than the
// cap (Kubernetes: 10s, 20s, 40s, … up to 5m: CrashLoopBackOff).
func RestartDelay(restartCount int, policy podstate.Policy) (time.Duration, error) {
	if restartCount == 0 {
		return 0, nil
	}
	delay := policy.BackoffBase
	for i := 1; i < restartCount && delay < policy.BackoffCap; i++ {
		delay *= 2
	}
	return min(delay, policy.BackoffCap), nil
}

//ownkube:end
