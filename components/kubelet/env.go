package kubelet

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// resolveEnv turns a container's env into plain values: literal values,
// and the pod fields that valueFrom.fieldRef names (the downward API).
func resolveEnv(pod *corev1.Pod, c *corev1.Container, podIP, hostIP string) ([]corev1.EnvVar, error) {
	env := make([]corev1.EnvVar, 0, len(c.Env))
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env = append(env, corev1.EnvVar{Name: e.Name, Value: e.Value})
			continue
		}
		if e.ValueFrom.FieldRef == nil {
			return nil, fmt.Errorf("env %s of container %s: only value and valueFrom.fieldRef are supported here", e.Name, c.Name)
		}
		v, err := podField(pod, e.ValueFrom.FieldRef.FieldPath, podIP, hostIP)
		if err != nil {
			return nil, fmt.Errorf("env %s of container %s: %w", e.Name, c.Name, err)
		}
		env = append(env, corev1.EnvVar{Name: e.Name, Value: v})
	}
	return env, nil
}

func podField(pod *corev1.Pod, path, podIP, hostIP string) (string, error) {
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP":
		return podIP, nil
	case "status.hostIP":
		return hostIP, nil
	}
	return "", fmt.Errorf("fieldRef %q is not supported (metadata.name, metadata.namespace, metadata.uid, spec.nodeName, spec.serviceAccountName, status.podIP, status.hostIP are)", path)
}
