// Package core is the shim through which the kubelet reaches the learner's
// core (plan, status, heartbeat): built with -tags solutions it re-exports
// the reference in solutions/kubelet, otherwise the learner's
// exercises/kubelet. The kubelet imports only this package.
package core
