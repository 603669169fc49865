package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/ownkube/ownkube/components/health"
	"github.com/ownkube/ownkube/components/kit/exercise"
	"github.com/ownkube/ownkube/components/kit/stubreport"
)

// Config configures a Scheduler.
type Config struct {
	// Client reaches the API server. Its rest.Config sets the client-side
	// rate limit: QPS -1 for none.
	Client kubernetes.Interface
	// SchedulerName is the spec.schedulerName of the pods this scheduler
	// places; default "default-scheduler".
	SchedulerName string
	// Logger receives a line per decision (debug) and per failure (info);
	// nil means slog's default.
	Logger *slog.Logger
	// InitialBackoff and MaxBackoff bound the wait before a pod that failed
	// is tried again: doubled with each failure, from 1s to 10s by default,
	// as kube-scheduler waits.
	InitialBackoff, MaxBackoff time.Duration
	// MaxInFlightBinds bounds the bindings written at once, so a burst of
	// decisions does not open a connection per pod; default 64.
	MaxInFlightBinds int
	// HealthAddress, when set (host:port), serves /healthz, and /readyz
	// answering 200 once the informers have synced.
	HealthAddress string
	// Profiling serves Go's pprof profiles at /debug/pprof/ on the health
	// address (--profiling).
	Profiling bool
}

// Scheduler binds every pod that has no node, and asks for it, to a node.
type Scheduler struct {
	cfg      Config
	log      *slog.Logger
	client   kubernetes.Interface
	factory  informers.SharedInformerFactory
	pods     cache.Indexer
	synced   []cache.InformerSynced
	cluster  *cluster
	queue    workqueue.TypedRateLimitingInterface[string]
	parking  *parking
	events   record.EventBroadcaster
	recorder record.EventRecorder
	stubs    *stubreport.Reporter // says so when the learner's algorithm is a stub
	binds    sync.WaitGroup
	slots    chan struct{} // one per binding in flight
	ready    atomic.Bool
}

// New checks cfg, fills in its defaults and builds a scheduler; Run starts it.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Client == nil {
		return nil, errors.New("scheduler: a Client is required")
	}
	if cfg.InitialBackoff < 0 || cfg.MaxBackoff < 0 || cfg.MaxInFlightBinds < 0 {
		return nil, fmt.Errorf("scheduler: negative back-off or bind limit: %+v", cfg)
	}
	setDefault(&cfg.SchedulerName, corev1.DefaultSchedulerName)
	setDefault(&cfg.InitialBackoff, time.Second)
	setDefault(&cfg.MaxBackoff, 10*time.Second)
	setDefault(&cfg.MaxInFlightBinds, 64)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	queue := workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](cfg.InitialBackoff, max(cfg.MaxBackoff, cfg.InitialBackoff)),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "scheduler"})
	s := &Scheduler{
		cfg:     cfg,
		log:     cfg.Logger.With("scheduler", cfg.SchedulerName),
		client:  cfg.Client,
		factory: informers.NewSharedInformerFactory(cfg.Client, 0),
		cluster: newCluster(),
		queue:   queue,
		parking: newParking(queue),
		events:  record.NewBroadcaster(),
		slots:   make(chan struct{}, cfg.MaxInFlightBinds),
	}
	s.recorder = s.events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: cfg.SchedulerName})
	s.stubs = stubreport.New(s.recorder, s.log)
	if err := s.watch(); err != nil {
		return nil, err
	}
	return s, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Run starts the informers, waits for them to sync, then schedules one pod
// at a time until ctx ends. It returns nil after a clean stop, once the
// bindings in flight have ended. A Scheduler runs once.
func (s *Scheduler) Run(ctx context.Context) error {
	stopEvents := s.events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: s.client.CoreV1().Events("")})
	defer s.events.Shutdown()
	defer stopEvents.Stop()
	g, ctx := errgroup.WithContext(ctx)
	if s.cfg.HealthAddress != "" {
		ln, err := health.Listen(s.cfg.HealthAddress, "scheduler")
		if err != nil {
			return err
		}
		health.Serve(ctx, g, ln, "scheduler", func() error {
			if !s.ready.Load() {
				return errors.New("informers not synced")
			}
			return nil
		}, health.WithProfiling(s.cfg.Profiling))
	}
	g.Go(func() error { return s.schedule(ctx) })
	return g.Wait()
}

// schedule is Run's main loop: sync, then one worker, the only one that
// decides, so that each decision sees the one before it.
func (s *Scheduler) schedule(ctx context.Context) error {
	s.factory.Start(ctx.Done())
	defer s.factory.Shutdown() // after the queue has stopped: informers end with ctx
	defer s.binds.Wait()
	defer s.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), s.synced...) {
		return nil // ctx ended before the informers synced
	}
	s.ready.Store(true)
	nodes, pods := s.cluster.size()
	s.log.Info("scheduler ready", "nodes", nodes, "boundPods", pods, "queued", s.queue.Len())
	go func() {
		<-ctx.Done()
		s.queue.ShutDown()
	}()
	for s.processNextItem(ctx) {
	}
	return nil
}

// errParked is sync's answer for a pod that fits nowhere and was parked:
// neither a success, which would reset its back-off, nor a failure to retry.
var errParked = errors.New("scheduler: pod parked until the cluster changes")

// processNextItem syncs one key; it is the one place that decides whether
// a decision is retried (a binding that failed in the background is
// requeued by bind). It returns false once the queue has shut down.
func (s *Scheduler) processNextItem(ctx context.Context) bool {
	key, shutdown := s.queue.Get()
	if shutdown {
		return false
	}
	defer s.queue.Done(key)
	if ctx.Err() != nil {
		return false // what is left in the queue is not ours to place any more
	}
	err := s.sync(ctx, key)
	switch {
	case err == nil:
		s.queue.Forget(key)
	case errors.Is(err, errParked):
		// Its back-off keeps growing until it is placed.
	case ctx.Err() != nil:
		// Stopping: the failure says nothing about the pod.
	case exercise.IsNotImplemented(err):
		// Reported once, on the pod; tried again after the same back-off,
		// since the learner may write the function meanwhile.
		s.queue.AddRateLimited(key)
	default:
		s.log.Error("schedule pod", "pod", key, "err", err)
		s.queue.AddRateLimited(key)
	}
	return true
}

// sync makes one decision for the pod named by key: it picks a node,
// counts the pod there at once (assume) and binds it in the background; a
// pod that fits nowhere is reported and parked.
func (s *Scheduler) sync(ctx context.Context, key string) error {
	s.parking.remove(key)
	obj, exists, err := s.pods.GetByKey(key)
	if err != nil {
		return fmt.Errorf("read pod %s from the informer: %w", key, err)
	}
	if !exists {
		return nil
	}
	pod := obj.(*corev1.Pod) // from the informer's cache: never modified
	if !s.wants(pod) || s.cluster.counted(pod.UID) {
		return nil // bound, being deleted, another scheduler's, or assumed already
	}
	since := s.parking.attempt()
	node, err := s.cluster.schedule(pod)
	if err != nil {
		return s.unschedulable(ctx, key, pod, err, since)
	}
	s.cluster.assume(pod, node)
	s.log.Debug("scheduled pod", "pod", key, "node", node)
	s.bindInBackground(ctx, key, pod, node)
	return nil
}

// wants reports whether pod is this scheduler's to place: no node yet, its
// schedulerName, not being deleted, not finished.
func (s *Scheduler) wants(pod *corev1.Pod) bool {
	return pod.Spec.NodeName == "" && pod.Spec.SchedulerName == s.cfg.SchedulerName &&
		pod.DeletionTimestamp == nil && !finished(pod)
}

func finished(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}
