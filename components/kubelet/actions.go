package kubelet

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// execute carries out a plan in order, stopping at the first action that
// fails; observed is kept up to date as sandboxes are created.
func (k *Kubelet) execute(ctx context.Context, key string, pod *corev1.Pod, observed *podstate.Pod, actions []podstate.Action) error {
	for _, a := range actions {
		k.log.Debug("act", "pod", key, "action", a)
		if err := k.act(ctx, key, pod, observed, a); err != nil {
			return fmt.Errorf("pod %s: %v: %w", key, a, err)
		}
	}
	return nil
}

func (k *Kubelet) act(ctx context.Context, key string, pod *corev1.Pod, observed *podstate.Pod, a podstate.Action) error {
	switch a := a.(type) {
	case podstate.CreateSandbox:
		sb, err := k.runtime.RunSandbox(ctx, pod)
		if err != nil {
			k.event(pod, corev1.EventTypeWarning, "FailedCreatePodSandBox", "create the pod's sandbox: %v", err)
			return err
		}
		observed.Sandboxes = append([]podstate.Sandbox{sb}, observed.Sandboxes...)
	case podstate.StartContainer:
		return k.startContainer(ctx, pod, observed, a)
	case podstate.KillContainer:
		k.event(pod, corev1.EventTypeNormal, "Killing", "Stopping container %s (%s)", a.Name, a.Reason)
		return k.runtime.StopContainer(ctx, a.ID, a.Grace)
	case podstate.KillSandbox:
		return k.runtime.StopContainer(ctx, a.ID, 2*time.Second)
	case podstate.RemoveContainer:
		return k.runtime.RemoveContainer(ctx, a.ID)
	case podstate.WaitUntil:
		k.queue.AddAfter(key, time.Until(a.At))
	default:
		return fmt.Errorf("kubelet: the plan holds an action this kubelet cannot carry out: %T", a)
	}
	return nil
}

func (k *Kubelet) startContainer(ctx context.Context, pod *corev1.Pod, observed *podstate.Pod, a podstate.StartContainer) error {
	c := containerNamed(pod, a.Name)
	sb := observed.Sandbox()
	if c == nil || sb == nil {
		return fmt.Errorf("the plan starts container %q, which the pod or its sandbox lacks", a.Name)
	}
	resolved, err := resolveEnv(ctx, apiConfigSource{k.cfg.Client}, pod, c, sb.IP, k.cfg.NodeIP)
	if err != nil {
		k.event(pod, corev1.EventTypeWarning, "Failed", "Error: %v", err)
		return err
	}
	env := []corev1.EnvVar(resolved)
	if k.services != nil { // none without an API server
		services, err := k.services.List(labels.Everything())
		if err != nil {
			return fmt.Errorf("list services for the environment of pod %s/%s: %w", pod.Namespace, pod.Name, err)
		}
		env = withServiceEnv(env, serviceEnv(podServices(pod, services)))
	}
	if _, err := k.runtime.StartContainer(ctx, pod, *sb, c, env, a.RestartCount); err != nil {
		k.event(pod, corev1.EventTypeWarning, "Failed", "Error: %v", err)
		return err
	}
	k.event(pod, corev1.EventTypeNormal, "Started", "Started container %s", c.Name)
	return nil
}

func containerNamed(pod *corev1.Pod, name string) *corev1.Container {
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	return nil
}

// event records an Event about pod, as kubectl describe shows them.
func (k *Kubelet) event(pod *corev1.Pod, typ, reason, format string, args ...any) {
	if pod != nil {
		k.recorder.Eventf(pod, typ, reason, format, args...)
	}
}

// previousAttempt returns the attempt of a container before restartCount.
func previousAttempt(all []podstate.Container, name string, restartCount int) *podstate.Container {
	var prev *podstate.Container
	for i := range all {
		c := &all[i]
		if c.Name == name && c.RestartCount < restartCount && (prev == nil || c.RestartCount > prev.RestartCount) {
			prev = c
		}
	}
	return prev
}
