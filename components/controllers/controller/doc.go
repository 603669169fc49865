// Package controller is the shape every controller of the controller-manager
// shares, as kubernetes/sample-controller and kube-controller-manager have it:
//
//	shared informers ──event──▶ Enqueue(key) ──▶ rate-limited work queue
//	                                                  │ one key at a time
//	                                                  ▼
//	                                   Sync(ctx, key) error ──▶ writes through the API
//
// Event handlers only enqueue keys ("namespace/name"); a worker takes one key,
// reads the object from the informer's cache (never modifying it: the cache is
// shared by every controller of the process) and makes the world match it.
// Whether a failed sync is tried again is decided in one place, Loop's
// handleErr: a nil error forgets the key's failures, RequeueAfter comes back
// at a set time, Permanent is logged and dropped, anything else (a 409
// Conflict above all: another writer won, and the informer will bring its
// version) is retried with exponential back-off.
//
// Context is what every controller is built from: the process's one informer
// factory, its client, an event recorder per controller, and the options of
// the controller-manager's command line.
package controller
