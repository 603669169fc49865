// Package apiserver holds the conformance specs of stage 3: the API server
// speaks the Kubernetes REST protocol closely enough that client-go and the
// stock kubectl work against it. Every spec drives the dockerised cluster
// from outside, through client-go (typed or dynamic), raw HTTP where the
// request itself is the point, or kubectl, in a namespace of its own.
//
// The package declares its Describes at package level; the one conformance
// suite, e2e/e2e_suite_test.go, runs them by importing it. One file per
// capability; every spec carries Label("apiserver", "stage3"), and the specs
// that depend on etcd compaction timing are Serial.
package apiserver
