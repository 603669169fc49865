package podstate

import (
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// State is a container's state as the runtime reports it.
type State string

const (
	// Created: made but never started (or a start that failed).
	Created State = "created"
	// Running: its process runs.
	Running State = "running"
	// Exited: its process ended; ExitCode and FinishedAt say how and when.
	Exited State = "exited"
)

// Pod is what runs on the node for one pod: its sandboxes (pause
// containers, newest first) and every attempt of every app container,
// newest first within a name.
type Pod struct {
	UID       types.UID
	Namespace string
	Name      string
	Sandboxes []Sandbox
	// Containers holds every attempt of every app container still present.
	Containers []Container
	// MissingImages names the images of the pod's containers that are not
	// present on the node: this cluster never pulls, so they cannot start.
	MissingImages map[string]bool
}

// Sandbox is a pod's pause container: it holds the network namespace, and
// so the pod IP, that the app containers join.
type Sandbox struct {
	ID        string
	IP        string
	State     State
	CreatedAt time.Time
}

// Container is one attempt of one app container.
type Container struct {
	ID    string
	Name  string
	Image string
	State State
	// ExitCode and Reason ("Error", "Completed", "OOMKilled", …) describe an
	// exited container.
	ExitCode int
	Reason   string
	// StartedAt and FinishedAt are zero until the container starts and ends.
	StartedAt  time.Time
	FinishedAt time.Time
	CreatedAt  time.Time
	// RestartCount is the attempt number: 0 for the first start.
	RestartCount int
}

// Sandbox returns the newest sandbox, or nil when the pod has none.
func (p *Pod) Sandbox() *Sandbox {
	if len(p.Sandboxes) == 0 {
		return nil
	}
	return &p.Sandboxes[0]
}

// Latest returns the newest attempt of the container called name, or nil.
func (p *Pod) Latest(name string) *Container {
	var latest *Container
	for i := range p.Containers {
		c := &p.Containers[i]
		if c.Name == name && (latest == nil || c.RestartCount > latest.RestartCount ||
			(c.RestartCount == latest.RestartCount && c.CreatedAt.After(latest.CreatedAt))) {
			latest = c
		}
	}
	return latest
}

// Probes holds the last results of a pod's probes by container name: a
// container missing from Ready has not passed its readiness probe yet.
type Probes struct {
	// Ready is true for a container whose readiness probe last succeeded,
	// or that has none and is running.
	Ready map[string]bool
	// LivenessFailed is true for a container whose liveness probe failed
	// often enough that it must be restarted.
	LivenessFailed map[string]bool
}

// Policy is how the kubelet is configured to restart containers.
type Policy struct {
	// BackoffBase is the wait before the first restart; each further
	// restart waits twice as long, up to BackoffCap (Kubernetes: 10s, 5m).
	BackoffBase time.Duration
	BackoffCap  time.Duration
}
