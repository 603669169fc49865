// Package faults holds the specs that break a part of the running cluster
// through Docker (a container restarted, stopped or cut off) and check that
// the rest survives it with nothing lost: the objects counted in etcd
// before and after, watches and informers carrying on, pods left running.
//
// Every spec is Serial and labelled "faults" and "disruptive": it disturbs
// the cluster every other spec shares, so none runs beside it.
package faults
