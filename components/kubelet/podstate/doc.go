// Package podstate holds the plain values the kubelet's core works on: what
// the container runtime reports about a pod (Pod, Sandbox, Container), what
// the probes last said (Probes), and what the core decides to do (Action).
// They are values, not handles: the core (solutions/kubelet) is a pure
// function of them, and the kubelet's loop carries the decisions out.
package podstate
