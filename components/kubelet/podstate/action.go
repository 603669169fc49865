package podstate

import (
	"fmt"
	"time"
)

// Action is one step the kubelet's loop takes for a pod. The core returns
// a list of them; the loop carries them out in order and stops at the
// first that fails.
type Action interface{ action() }

// CreateSandbox starts the pod's pause container.
type CreateSandbox struct{}

// StartContainer creates and starts an attempt of the container Name.
type StartContainer struct {
	Name         string
	RestartCount int
}

// KillContainer stops a running container: SIGTERM, then SIGKILL after Grace.
type KillContainer struct {
	ID, Name string
	Grace    time.Duration
	// Reason says why, for the log and the events ("Unhealthy", "Killing").
	Reason string
}

// KillSandbox stops the pod's pause container, once its app containers are gone.
type KillSandbox struct{ ID string }

// RemoveContainer deletes an exited container or sandbox.
type RemoveContainer struct{ ID string }

// WaitUntil asks the loop to look at the pod again at At — the end of a
// restart back-off or of a grace period — even if nothing changes before.
type WaitUntil struct {
	At     time.Time
	Reason string
}

func (CreateSandbox) action()   {}
func (StartContainer) action()  {}
func (KillContainer) action()   {}
func (KillSandbox) action()     {}
func (RemoveContainer) action() {}
func (WaitUntil) action()       {}

func (a CreateSandbox) String() string { return "create sandbox" }
func (a StartContainer) String() string {
	return fmt.Sprintf("start container %s (restart %d)", a.Name, a.RestartCount)
}
func (a KillContainer) String() string {
	return fmt.Sprintf("kill container %s %.12s (%s, grace %s)", a.Name, a.ID, a.Reason, a.Grace)
}
func (a KillSandbox) String() string     { return fmt.Sprintf("kill sandbox %.12s", a.ID) }
func (a RemoveContainer) String() string { return fmt.Sprintf("remove container %.12s", a.ID) }
func (a WaitUntil) String() string {
	return fmt.Sprintf("wait until %s (%s)", a.At.Format(time.TimeOnly), a.Reason)
}
