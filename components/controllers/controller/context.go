package controller

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/record"
)

// Controller is one controller of the manager: built by its constructor
// (which registers its informers' event handlers), then run until ctx ends.
type Controller interface {
	// Run waits for the controller's informers to sync, works until ctx
	// ends, and returns once its workers have stopped.
	Run(ctx context.Context) error
}

// Context is what every controller is built from.
type Context struct {
	// Client reaches the API server.
	Client kubernetes.Interface
	// Dynamic reaches every resource as unstructured objects, for the
	// controllers that act on all kinds (garbage collector, namespace).
	Dynamic dynamic.Interface
	// Informers is the process's one informer factory: two controllers that
	// watch pods share one watch and one cache. Its caches are read-only.
	Informers informers.SharedInformerFactory
	// Events records Events for `kubectl describe`; Recorder names their source.
	Events record.EventBroadcaster
	// Options are the controller-manager's flags.
	Options Options
	// Log is the process's logger.
	Log *slog.Logger
	// Now reads the clock; tests may stop it.
	Now func() time.Time
}

// Recorder returns an event recorder whose events name component
// ("replicaset-controller") as their source, as kube-controller-manager's do.
func (c *Context) Recorder(component string) record.EventRecorder {
	return c.Events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: component})
}

// Options are the knobs of the controllers, set by the controller-manager's
// flags. A zero field means its default.
type Options struct {
	// Workers is how many keys each controller syncs at once; default 5
	// (kube-controller-manager's --concurrent-*-syncs).
	Workers int
	// BurstReplicas bounds the pods a ReplicaSet creates or deletes in one
	// sync; default 500, as kube's.
	BurstReplicas int
	// NodeMonitorGracePeriod is how long a node may go without renewing its
	// Lease before it is marked Unknown; default 40s.
	NodeMonitorGracePeriod time.Duration
	// NodeMonitorPeriod is how often node health is checked; default 5s.
	NodeMonitorPeriod time.Duration
}

// WithDefaults returns o with every zero field set to its default.
func (o Options) WithDefaults() Options {
	o.Workers = cmp.Or(o.Workers, 5)
	o.BurstReplicas = cmp.Or(o.BurstReplicas, 500)
	o.NodeMonitorGracePeriod = cmp.Or(o.NodeMonitorGracePeriod, 40*time.Second)
	o.NodeMonitorPeriod = cmp.Or(o.NodeMonitorPeriod, 5*time.Second)
	return o
}
