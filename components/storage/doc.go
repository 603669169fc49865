// Package storage is the API server's generic store: one store for every
// resource, keeping each object as JSON under
// /registry/<resource>/<namespace>/<name> (cluster-scoped:
// /registry/<resource>/<name>) in etcd.
//
// It stands between two worlds. Above it the API server speaks in objects
// and API errors; below it the learner's core (reached through the shim
// storage/etcdstore) speaks in keys, bytes and revisions. The store encodes
// and decodes, sets each object's resourceVersion from its etcd mod
// revision, and turns the core's errors into Kubernetes' own: 404 NotFound,
// 409 AlreadyExists, 409 Conflict, 410 Expired, and 501 for a stub a learner
// has yet to write.
package storage
