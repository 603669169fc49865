package kubelet

import (
	"context"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// Runtime is what the kubelet needs of a container engine; the kubelet
// owns this interface and runtime/docker satisfies it, dockershim style.
// Every container a Runtime makes carries the labels of its cluster, node,
// namespace, pod name and pod UID, and a Runtime never acts on a container
// that lacks its cluster's label.
type Runtime interface {
	// Pods lists what runs on this node, grouped by pod UID.
	Pods(ctx context.Context) ([]podstate.Pod, error)
	// RunSandbox starts the pod's pause container on the cluster network;
	// its IP is the pod's IP.
	RunSandbox(ctx context.Context, pod *corev1.Pod) (podstate.Sandbox, error)
	// StartContainer creates and starts one attempt of an app container,
	// joined to the sandbox's network namespace, with env already resolved.
	StartContainer(ctx context.Context, pod *corev1.Pod, sandbox podstate.Sandbox, c *corev1.Container, env []corev1.EnvVar, restartCount int) (string, error)
	// StopContainer sends SIGTERM, then SIGKILL once grace has passed.
	StopContainer(ctx context.Context, id string, grace time.Duration) error
	// RemoveContainer deletes a container (an app container or a sandbox).
	RemoveContainer(ctx context.Context, id string) error
	// ImagePresent reports whether image is on the node: nothing is pulled.
	ImagePresent(ctx context.Context, image string) (bool, error)
	// Logs copies a container's output to w until it is all written or,
	// with Follow, until ctx ends.
	Logs(ctx context.Context, id string, opts LogOptions, w io.Writer) error
}

// LogOptions select what Logs writes, as kubectl logs asks.
type LogOptions struct {
	Follow     bool
	TailLines  int64 // 0: all
	Timestamps bool
}
