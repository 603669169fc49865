package kubelet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"

	"github.com/ownkube/ownkube/components/kit/exercise"
	"github.com/ownkube/ownkube/components/kit/stubreport"
	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// Config configures a Kubelet. Zero values take the defaults noted.
type Config struct {
	// Client reaches the API server. It may be nil only with a Source of
	// its own (a PushSource): the node then runs with no API server at all,
	// registers no Node, renews no Lease, logs its events and gives pods no
	// service variables.
	Client kubernetes.Interface
	// NodeName is the name of the Node this kubelet registers (required).
	NodeName string
	// Runtime runs the containers (required).
	Runtime Runtime
	// Source says which pods to run; default: a watch of the API.
	Source Source
	// NodeIP is the node's InternalIP; default: the first non-loopback IPv4.
	NodeIP string
	// Capacity is what the node offers: cpu, memory, pods (default 2, 4Gi, 110).
	Capacity corev1.ResourceList
	// Labels are added to the node's own (kubernetes.io/hostname, …).
	Labels map[string]string
	// Policy sets the restart back-off (default 10s doubling to 5m, as in Kubernetes).
	Policy podstate.Policy
	// HeartbeatInterval is how often the Lease is renewed (default 5s) and
	// LeaseDuration how long a renewal counts (default 40s).
	HeartbeatInterval, LeaseDuration time.Duration
	// ResyncInterval is how often every pod is looked at even if nothing
	// changed, and leftovers are removed (default 10s).
	ResyncInterval time.Duration
	// RelistInterval is how often the runtime is listed to notice
	// containers that exit on their own (default 1s).
	RelistInterval time.Duration
	// LogAddress is where container logs are served for the API server (default :10250).
	LogAddress string
	// Workers is how many pods are synced at once (default 4).
	Workers int
	Logger  *slog.Logger
}

// Kubelet runs the pods bound to one node.
type Kubelet struct {
	cfg      Config
	log      *slog.Logger
	source   Source
	runtime  Runtime
	queue    workqueue.TypedRateLimitingInterface[string]
	probes   *prober
	recorder record.EventRecorder
	events   record.EventBroadcaster
	stubs    *stubreport.Reporter // says so when a core of the learner's is a stub

	images imageCache

	// services feeds the pods' service environment variables.
	informers      informers.SharedInformerFactory
	services       corelisters.ServiceLister
	servicesSynced cache.InformerSynced
}

// New checks cfg, fills in defaults and returns a Kubelet; Run starts it.
func New(cfg Config) (*Kubelet, error) {
	switch {
	case cfg.Client == nil && cfg.Source == nil:
		return nil, errors.New("kubelet: a Client is required, unless a Source of pods is given (a push source)")
	case cfg.NodeName == "":
		return nil, errors.New("kubelet: a NodeName is required")
	case cfg.Runtime == nil:
		return nil, errors.New("kubelet: a Runtime is required")
	}
	cfg = withDefaults(cfg)
	if cfg.NodeIP == "" {
		ip, err := firstIPv4()
		if err != nil {
			return nil, err
		}
		cfg.NodeIP = ip
	}
	k := &Kubelet{cfg: cfg, log: cfg.Logger.With("node", cfg.NodeName), source: cfg.Source, runtime: cfg.Runtime,
		images: imageCache{checks: map[string]imageCheck{}}}
	if cfg.Client != nil {
		k.informers = informers.NewSharedInformerFactory(cfg.Client, 0)
		svcInformer := k.informers.Core().V1().Services()
		k.services, k.servicesSynced = svcInformer.Lister(), svcInformer.Informer().HasSynced
	}
	k.queue = workqueue.NewTypedRateLimitingQueue(workqueue.NewTypedItemExponentialFailureRateLimiter[string](100*time.Millisecond, 10*time.Second))
	k.probes = newProber(k.log, k.queue.Add)
	k.events = record.NewBroadcaster()
	k.recorder = k.events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelet", Host: cfg.NodeName})
	k.stubs = stubreport.New(k.recorder, k.log)
	return k, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Source == nil {
		cfg.Source = NewAPISource(cfg.Client, cfg.NodeName)
	}
	if cfg.Capacity == nil {
		cfg.Capacity = corev1.ResourceList{}
	}
	defaults := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"),
		corev1.ResourceMemory: resource.MustParse("4Gi"), corev1.ResourcePods: resource.MustParse("110")}
	for name, q := range defaults {
		if _, ok := cfg.Capacity[name]; !ok {
			cfg.Capacity[name] = q
		}
	}
	setDefault(&cfg.Policy.BackoffBase, 10*time.Second)
	setDefault(&cfg.Policy.BackoffCap, 5*time.Minute)
	setDefault(&cfg.HeartbeatInterval, 5*time.Second)
	setDefault(&cfg.LeaseDuration, 40*time.Second)
	setDefault(&cfg.ResyncInterval, 10*time.Second)
	setDefault(&cfg.RelistInterval, time.Second)
	setDefault(&cfg.LogAddress, ":10250")
	setDefault(&cfg.Workers, 4)
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

// Run registers the node and runs its pods until ctx ends. With no Client
// (a push source) there is nothing to register with: it only runs pods.
func (k *Kubelet) Run(ctx context.Context) error {
	defer k.queue.ShutDown()
	defer k.events.Shutdown()
	synced := []cache.InformerSynced{k.source.HasSynced}
	if k.cfg.Client != nil {
		k.events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: k.cfg.Client.CoreV1().Events("")})
		if err := k.registerWhenAPIAnswers(ctx); err != nil {
			return err
		}
		// Containers started before the Services are known would miss their
		// variables, so wait for those too, as Kubernetes' kubelet does.
		synced = append(synced, k.servicesSynced)
	} else {
		// No API to record events in: the node's log holds them.
		k.events.StartLogging(func(format string, args ...any) { k.log.Info("event", "event", fmt.Sprintf(format, args...)) })
	}
	logs, err := k.serveLogs(ctx)
	if err != nil {
		return err
	}
	defer logs.Close()
	if err := k.source.Start(ctx, k.queue.Add); err != nil {
		return err
	}
	if k.informers != nil {
		k.informers.Start(ctx.Done())
		defer k.informers.Shutdown()
	}
	// Until the source has seen every pod, a running pod it does not know
	// yet would look like a leftover and be torn down: a restarted kubelet
	// must adopt its pods, not kill them.
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return fmt.Errorf("kubelet: stopped before its pod source synced: %w", ctx.Err())
	}
	if k.cfg.Client != nil {
		go k.heartbeat(ctx)
	}
	go k.resync(ctx)
	go k.relist(ctx)
	for range k.cfg.Workers {
		go k.work(ctx)
	}
	k.log.Info("kubelet running", "ip", k.cfg.NodeIP, "logs", k.cfg.LogAddress)
	<-ctx.Done()
	k.probes.stopAll()
	return nil
}

// registerWhenAPIAnswers retries registration while the API server is
// still coming up, as it is when a cluster's containers start together.
func (k *Kubelet) registerWhenAPIAnswers(ctx context.Context) error {
	backoff := 200 * time.Millisecond
	for {
		err := k.register(ctx)
		if err == nil {
			return nil
		}
		k.log.Info("waiting for the API server", "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("kubelet: never registered: %w", err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

func (k *Kubelet) work(ctx context.Context) {
	for k.next(ctx) {
	}
}

// next syncs one pod key; a failed sync is retried with back-off.
func (k *Kubelet) next(ctx context.Context) bool {
	key, shutdown := k.queue.Get()
	if shutdown {
		return false
	}
	defer k.queue.Done(key)
	err := k.syncSafely(ctx, key)
	if o, ok := k.source.(syncObserver); ok {
		o.Synced(key, err)
	}
	if err != nil && ctx.Err() == nil {
		if !exercise.IsNotImplemented(err) { // a stub was reported once, on its pod
			k.log.Warn("sync failed; will retry", "pod", key, "err", err)
		}
		k.queue.AddRateLimited(key)
		return true
	}
	k.queue.Forget(key)
	return true
}

// syncSafely turns a panic of the learner's core (a stub, say) into an
// error with a clear log line, rather than a crashed node; a stub's error
// is reported on the pod, so that it reaches whoever waits for the pod.
func (k *Kubelet) syncSafely(ctx context.Context, key string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = exercise.Recovered(p)
		}
		if exercise.IsNotImplemented(err) {
			k.reportStub(ctx, key, err)
		}
	}()
	return k.sync(ctx, key)
}

// resync looks at every pod, and at what runs for pods that no longer
// exist, every ResyncInterval.
func (k *Kubelet) resync(ctx context.Context) {
	ticker := time.NewTicker(k.cfg.ResyncInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		for _, pod := range k.source.Pods() {
			k.queue.Add(pod.Namespace + "/" + pod.Name)
		}
		if k.source.HasSynced() {
			k.enqueueLeftovers(ctx)
		}
	}
}

// enqueueLeftovers queues the keys of pods that run but that the source
// does not know (any more): their sync tears them down.
func (k *Kubelet) enqueueLeftovers(ctx context.Context) {
	running, err := k.runtime.Pods(ctx)
	if err != nil {
		k.log.Warn("list containers", "err", err)
		return
	}
	for _, rp := range running {
		key := rp.Namespace + "/" + rp.Name
		if pod := k.source.Pod(key); pod == nil || pod.UID != rp.UID {
			k.queue.Add(key)
		}
	}
}

// syncObserver is a Source told the outcome of every sync, so that a
// client waiting on a pod (a push) hears of an error at once.
type syncObserver interface {
	Synced(key string, err error)
}

// routeSource is a Source that serves an HTTP API of its own on the
// kubelet's server (the push source's /pods).
type routeSource interface {
	Routes(mux *http.ServeMux)
}

func setDefault[T comparable](field *T, value T) {
	var zero T
	if *field == zero {
		*field = value
	}
}

// firstIPv4 is the node's address on its network when none is given: the
// kubelet runs in a node container attached to the cluster network.
func firstIPv4() (string, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", fmt.Errorf("kubelet: find the node's IP: %w", err)
	}
	for _, a := range addrs {
		if ipnet, ok := a.(*net.IPNet); ok && !ipnet.IP.IsLoopback() && ipnet.IP.To4() != nil {
			return ipnet.IP.String(), nil
		}
	}
	return "", errors.New("kubelet: the node has no IPv4 address: give one with --node-ip")
}
