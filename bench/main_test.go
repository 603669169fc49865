package main

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSelectBenchmarks(t *testing.T) {
	got, err := selectBenchmarks(" get, etcd ,create")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"etcd", "create", "get"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q: table order", got, want)
	}
	for _, bad := range []string{"", ",", "pods", "create,nope"} {
		if _, err := selectBenchmarks(bad); err == nil {
			t.Errorf("selectBenchmarks(%q) succeeded, want an error", bad)
		}
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags([]string{"-duration", "5s", "-only", "update"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.load.Duration != 5*time.Second || o.load.Rate != 100 || o.load.MaxInFlight != 64 || !slices.Equal(o.only, []string{"update"}) {
		t.Errorf("got %+v", o)
	}
	o, err = parseFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.only, benchmarkNames()) || o.load.Duration != 10*time.Second {
		t.Errorf("defaults: got %+v, want every benchmark for 10s", o)
	}
	if o.startup != (startupConfig{Pods: 30, Rate: 5, Bound: time.Minute}) ||
		o.scheduler != (schedulerConfig{Nodes: 1000, Pods: 10000, Timeout: 5 * time.Minute}) {
		t.Errorf("defaults: got %+v and %+v, want DESIGN.md's sizes", o.startup, o.scheduler)
	}
	for _, bad := range [][]string{{"-rate", "0"}, {"-duration", "1ms"}, {"extra"}, {"-only", "x"},
		{"-startup-rate", "0"}, {"-startup-pods", "-1"}, {"-scheduler-nodes", "0"}, {"-scheduler-timeout", "0s"}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) succeeded, want an error", bad)
		}
	}
}

func TestPlanSharesAClusterBetweenNeighbours(t *testing.T) {
	var got []string
	for _, g := range plan([]string{"get", "scheduler", "etcd", "startup", "create"}) {
		var names []string
		for _, b := range g.benchmarks {
			names = append(names, b.name)
		}
		got = append(got, g.cluster.name+": "+strings.Join(names, ","))
	}
	want := []string{
		controlPlane.name + ": etcd,create,get",
		dockerNodes.name + ": startup",
		simulatedNodes.name + ": scheduler",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if c := dockerNodes.config("bench-x", "ownkube:solutions", nil); c.Nodes != 2 || !slices.Contains(c.Components, "scheduler") {
		t.Errorf("the startup cluster is %+v, want 2 nodes and a scheduler", c)
	}
	if c := simulatedNodes.config("bench-x", "ownkube:solutions", nil); c.Nodes != 0 || slices.Contains(c.Components, "scheduler") {
		t.Errorf("the scheduler cluster is %+v, want neither nodes nor a scheduler: they run in the benchmark", c)
	}
}
