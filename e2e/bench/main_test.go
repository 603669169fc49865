package main

import (
	"io"
	"slices"
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
	for _, bad := range [][]string{{"-rate", "0"}, {"-duration", "1ms"}, {"extra"}, {"-only", "x"}} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) succeeded, want an error", bad)
		}
	}
}
