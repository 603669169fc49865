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
// topology, its nodes' kubelet (and the push nodes' of the coupled stages,
// which have no API server and start nodes through the CLI), and those
// that link its learner packages.
func (s *Scenario) Referenced(ref []string) []string {
	var out []string
	for _, c := range ref {
		if s.uses(c) {
			out = append(out, c)
		}
	}
	return out
}

func (s *Scenario) uses(component string) bool {
	if s.HasComponent(component) {
		return true
	}
	if component == "kubelet" && (s.Topology.Nodes > 0 || !s.HasComponent("apiserver")) {
		return true
	}
	for _, l := range s.Learner {
		if ComponentOf(l.Package) == component {
			return true
		}
	}
	return false
}

// LearnerReferenced reports whether every learner package of the stage is
// linked by a component of ref: the stage then grades none of the
// learner's own code, and its fast tests (the learner's) need not pass.
func (s *Scenario) LearnerReferenced(ref []string) bool {
	if len(s.Learner) == 0 {
		return false
	}
	for _, l := range s.Learner {
		if c := ComponentOf(l.Package); c == "" || !slices.Contains(ref, c) {
			return false
		}
	}
	return true
}
