package kubelet

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// configSource reads the ConfigMaps and Secrets a container's environment
// refers to. The kubelet reads them from the API when the container starts,
// as kube's kubelet does with its "Get" change-detection strategy, so a
// change reaches a container when it next starts.
type configSource interface {
	ConfigMap(ctx context.Context, namespace, name string) (*corev1.ConfigMap, error)
	Secret(ctx context.Context, namespace, name string) (*corev1.Secret, error)
}

// apiConfigSource is a configSource over the API; with no client (a push
// source, no API server) every reference is an error that says so.
type apiConfigSource struct{ client kubernetes.Interface }

func (s apiConfigSource) ConfigMap(ctx context.Context, namespace, name string) (*corev1.ConfigMap, error) {
	if s.client == nil {
		return nil, fmt.Errorf("configmap %q: a node without an API server has no ConfigMaps", name)
	}
	return s.client.CoreV1().ConfigMaps(namespace).Get(ctx, name, metav1.GetOptions{})
}

func (s apiConfigSource) Secret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	if s.client == nil {
		return nil, fmt.Errorf("secret %q: a node without an API server has no Secrets", name)
	}
	return s.client.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
}

// resolvedEnv is a container's environment as plain values.
type resolvedEnv []corev1.EnvVar

// set puts name=value in the environment, replacing an earlier value in
// place: env overrides envFrom, as in Kubernetes.
func (r *resolvedEnv) set(name, value string) {
	for i := range *r {
		if (*r)[i].Name == name {
			(*r)[i].Value = value
			return
		}
	}
	*r = append(*r, corev1.EnvVar{Name: name, Value: value})
}

// resolveEnv turns a container's envFrom and env into plain values, as
// kube's kubelet does (makeEnvironmentVariables): first every key of the
// ConfigMaps and Secrets of envFrom, with their prefix (any key a ConfigMap
// may hold is a name Kubernetes' relaxed rule allows), then env, each entry a
// literal value or valueFrom a pod field (the downward API), a ConfigMap
// key or a Secret key. A missing ConfigMap, Secret or key is an error
// unless the reference is optional, and then the variable is left out.
func resolveEnv(ctx context.Context, src configSource, pod *corev1.Pod, c *corev1.Container, podIP, hostIP string) (resolvedEnv, error) {
	var r resolvedEnv
	for _, from := range c.EnvFrom {
		if err := r.addFrom(ctx, src, pod.Namespace, from); err != nil {
			return r, fmt.Errorf("envFrom of container %s: %w", c.Name, err)
		}
	}
	for _, e := range c.Env {
		v, ok, err := envValue(ctx, src, pod, e, podIP, hostIP)
		if err != nil {
			return r, fmt.Errorf("env %s of container %s: %w", e.Name, c.Name, err)
		}
		if ok {
			r.set(e.Name, v)
		}
	}
	return r, nil
}

// addFrom adds the keys of one envFrom source.
func (r *resolvedEnv) addFrom(ctx context.Context, src configSource, ns string, from corev1.EnvFromSource) error {
	var data map[string]string
	switch {
	case from.ConfigMapRef != nil:
		cm, err := src.ConfigMap(ctx, ns, from.ConfigMapRef.Name)
		if err != nil {
			return optional(err, from.ConfigMapRef.Optional)
		}
		data = cm.Data
	case from.SecretRef != nil:
		s, err := src.Secret(ctx, ns, from.SecretRef.Name)
		if err != nil {
			return optional(err, from.SecretRef.Optional)
		}
		data = secretStrings(s)
	default:
		return fmt.Errorf("a source names neither configMapRef nor secretRef")
	}
	for _, k := range slices.Sorted(maps.Keys(data)) {
		r.set(from.Prefix+k, data[k])
	}
	return nil
}

// envValue is the value of one env entry; ok is false when an optional
// reference finds nothing and the variable is left out.
func envValue(ctx context.Context, src configSource, pod *corev1.Pod, e corev1.EnvVar, podIP, hostIP string) (string, bool, error) {
	from := e.ValueFrom
	switch {
	case from == nil:
		return e.Value, true, nil
	case from.FieldRef != nil:
		v, err := podField(pod, from.FieldRef.FieldPath, podIP, hostIP)
		return v, err == nil, err
	case from.ConfigMapKeyRef != nil:
		ref := from.ConfigMapKeyRef
		cm, err := src.ConfigMap(ctx, pod.Namespace, ref.Name)
		if err != nil {
			return "", false, optional(err, ref.Optional)
		}
		v, ok := cm.Data[ref.Key]
		if !ok {
			return "", false, optional(missingKey{ref.Key, "ConfigMap", pod.Namespace, ref.Name}, ref.Optional)
		}
		return v, true, nil
	case from.SecretKeyRef != nil:
		ref := from.SecretKeyRef
		s, err := src.Secret(ctx, pod.Namespace, ref.Name)
		if err != nil {
			return "", false, optional(err, ref.Optional)
		}
		v, ok := s.Data[ref.Key]
		if !ok {
			return "", false, optional(missingKey{ref.Key, "Secret", pod.Namespace, ref.Name}, ref.Optional)
		}
		return string(v), true, nil
	}
	return "", false, fmt.Errorf("valueFrom.resourceFieldRef is not supported here (fieldRef, configMapKeyRef and secretKeyRef are)")
}

// optional drops err for an optional reference to what does not exist.
// An optional reference is skipped only when the object or key is missing:
// any other failure to read it is still an error, as in Kubernetes.
func optional(err error, opt *bool) error {
	var key missingKey
	missing := apierrors.IsNotFound(err) || errors.As(err, &key)
	if missing && opt != nil && *opt {
		return nil
	}
	return err
}

// missingKey is a reference to a key its ConfigMap or Secret lacks, in
// kube's words.
type missingKey struct{ key, kind, namespace, name string }

func (e missingKey) Error() string {
	return fmt.Sprintf("couldn't find key %s in %s %s/%s", e.key, e.kind, e.namespace, e.name)
}

func secretStrings(s *corev1.Secret) map[string]string {
	out := make(map[string]string, len(s.Data))
	for k, v := range s.Data {
		out[k] = string(v)
	}
	return out
}

// fieldKey matches metadata.labels['key'] and metadata.annotations['key'].
var fieldKey = regexp.MustCompile(`^metadata\.(labels|annotations)\['(.+)'\]$`)

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
	case "status.podIP", "status.podIPs":
		return podIP, nil
	case "status.hostIP", "status.hostIPs":
		return hostIP, nil
	}
	if m := fieldKey.FindStringSubmatch(path); m != nil {
		if m[1] == "labels" {
			return pod.Labels[m[2]], nil
		}
		return pod.Annotations[m[2]], nil
	}
	return "", fmt.Errorf("fieldRef %q is not supported (metadata.name, metadata.namespace, metadata.uid, metadata.labels['<key>'], "+
		"metadata.annotations['<key>'], spec.nodeName, spec.serviceAccountName, status.podIP(s), status.hostIP(s) are)", path)
}
