package scenario

import (
	"fmt"
	"slices"
	"strings"
)

// Referable are the components with learner code in them, which `ownkube
// check --reference` can run from the reference solutions instead: the
// API server (the etcd store), the kubelet (a node's, as the cluster names
// the nodes' image), the scheduler and the controller-manager.
var Referable = []string{"apiserver", "kubelet", "scheduler", "controller-manager"}

// learnerComponents maps each learner package to the component that links
// it, so that a referenced component covers the package's functions.
var learnerComponents = map[string]string{
	"etcdstore":     "apiserver",
	"kubelet":       "kubelet",
	"scheduler":     "scheduler",
	"replicaset":    "controller-manager",
	"nodelifecycle": "controller-manager",
	"endpoints":     "controller-manager",
}

// ComponentOf is the component that links learner package pkg; empty for
// a package no component links.
func ComponentOf(pkg string) string { return learnerComponents[pkg] }

// ParseReference reads a comma-separated list of Referable components,
// each once, refusing any other name.
func ParseReference(list string) ([]string, error) {
	var out []string
	for _, c := range strings.Split(list, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !slices.Contains(Referable, c) {
			return nil, fmt.Errorf("%q is not a component with learner code: choose among %s", c, strings.Join(Referable, ", "))
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Referenced lists the components of ref the stage runs: those of its
// topology, and the kubelet of its nodes (and of the push nodes the CLI
// starts in the coupled stages, which have no API server).
func (s *Scenario) Referenced(ref []string) []string {
	var out []string
	for _, c := range ref {
		if s.HasComponent(c) || c == "kubelet" && (s.Topology.Nodes > 0 || !s.HasComponent("apiserver")) {
			out = append(out, c)
		}
	}
	return out
}

// LearnerReferenced reports whether every learner package of the stage is
// linked by a component of ref the stage runs: the stage then grades none
// of the learner's own code, and its fast tests (the learner's) need not
// pass. Stage 2's etcdstore is not: the host CLI links it, not an API
// server, so no reference stands in for it.
func (s *Scenario) LearnerReferenced(ref []string) bool {
	if len(s.Learner) == 0 {
		return false
	}
	run := s.Referenced(ref)
	for _, l := range s.Learner {
		if c := ComponentOf(l.Package); c == "" || !slices.Contains(run, c) {
			return false
		}
	}
	return true
}
