// Package etcdstore is the core of the API server's storage: the five
// operations every Kubernetes resource is kept with in etcd, and the
// translation of etcd's watch stream into Kubernetes watch events.
//
// It works on keys and bytes only. The generic store in
// components/storage calls it with keys of the form
// /registry/<resource>/<namespace>/<name> and JSON-encoded objects, and turns
// what comes back into API objects and API errors.
//
// Three ideas carry the whole of Kubernetes' optimistic concurrency:
//
//  1. Every write in etcd gets a revision, a counter over the whole store.
//     A key's mod revision is the revision of its last write; it is the
//     object's resourceVersion.
//  2. Create and update are transactions: "put this key only if it does not
//     exist yet" and "put this key only if its mod revision is still the one
//     the caller read". A failed comparison is AlreadyExists or Conflict.
//  3. A watch starts at a revision and delivers every later change in order,
//     until etcd has compacted the history it needs: then the caller must
//     list again (410 Gone).
//
// Stages: the store is written in stage 2 (create, get, update, delete,
// list) and its watch in stage 3.
package etcdstore
