// Package leader runs a component only while it holds a Lease, with
// client-go's leader election, as kube-scheduler and kube-controller-manager
// do: two replicas may run, one works, and when its Lease is not renewed the
// other takes over. The Lease lives in kube-system, where `kubectl get lease
// -n kube-system` shows who holds it.
package leader

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Config names the Lease and sets the election's timing.
type Config struct {
	// Client reaches the API server.
	Client kubernetes.Interface
	// Name is the Lease's name, e.g. "kube-scheduler".
	Name string
	// Namespace holds the Lease; default kube-system.
	Namespace string
	// Identity names this replica in the Lease; default hostname_uuid.
	Identity string
	// LeaseDuration, RenewDeadline and RetryPeriod are client-go's; default
	// 15s, 10s and 2s, as in Kubernetes.
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// Logger receives a line when leadership is won and lost.
	Logger *slog.Logger
}

// ErrLost is returned by Run when the Lease was lost before ctx ended: the
// caller should exit, as Kubernetes' components do, and start over.
var ErrLost = errors.New("leader: lost the lease")

// Run blocks until ctx ends, running work while this replica leads. work's
// context ends when leadership is lost. Run returns nil after ctx ended (the
// Lease is released, so a successor takes over at once), ErrLost if
// leadership was lost first, or the error work returned.
func Run(ctx context.Context, cfg Config, work func(ctx context.Context) error) error {
	if cfg.Client == nil || cfg.Name == "" {
		return errors.New("leader: a Client and a Lease name are required")
	}
	cfg.Namespace = cmp.Or(cfg.Namespace, metav1.NamespaceSystem)
	if cfg.Identity == "" {
		host, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("leader: name this replica: %w", err)
		}
		cfg.Identity = host + "_" + uuid.NewString()
	}
	cfg.LeaseDuration = cmp.Or(cfg.LeaseDuration, 15*time.Second)
	cfg.RenewDeadline = cmp.Or(cfg.RenewDeadline, 10*time.Second)
	cfg.RetryPeriod = cmp.Or(cfg.RetryPeriod, 2*time.Second)
	log := cmp.Or(cfg.Logger, slog.Default()).With("lease", cfg.Namespace+"/"+cfg.Name, "identity", cfg.Identity)

	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: cfg.Namespace, Name: cfg.Name},
		Client:     cfg.Client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: cfg.Identity},
	}
	// The election stops when ctx ends and when the work ends by itself.
	parent := ctx
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	w := worker{stop: stop}
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		Name:            cfg.Name,
		LeaseDuration:   cfg.LeaseDuration,
		RenewDeadline:   cfg.RenewDeadline,
		RetryPeriod:     cfg.RetryPeriod,
		ReleaseOnCancel: true,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(ctx context.Context) {
				log.Info("became leader")
				w.run(ctx, work)
			},
			OnStoppedLeading: func() { log.Info("stopped leading") },
			OnNewLeader: func(id string) {
				if id != cfg.Identity {
					log.Info("another replica leads", "leader", id)
				}
			},
		},
	})
	if err != nil {
		return fmt.Errorf("leader: %w", err)
	}
	// Run returns when leadership is lost or ctx ends, without waiting for
	// OnStartedLeading, which it runs in a goroutine of its own.
	elector.Run(ctx)
	ended, workErr := w.wait()
	switch {
	case workErr != nil:
		return workErr
	case parent.Err() != nil || ended:
		return nil
	default:
		return ErrLost
	}
}

// worker runs work at most once and lets Run wait for it: client-go starts
// OnStartedLeading in a goroutine that may not have begun when its Run
// returns, and must then not begin at all.
type worker struct {
	stop     context.CancelFunc // ends the election
	mu       sync.Mutex
	finished bool
	wg       sync.WaitGroup
	err      error
	ended    bool // the work returned before its context ended
}

func (w *worker) run(ctx context.Context, work func(context.Context) error) {
	w.mu.Lock()
	if w.finished {
		w.mu.Unlock()
		return
	}
	w.wg.Add(1)
	w.mu.Unlock()
	defer w.wg.Done()
	w.err = work(ctx)
	if ctx.Err() == nil {
		w.ended = true
		w.stop() // release the Lease: a replica that does no work must not hold it
	}
}

func (w *worker) wait() (ended bool, err error) {
	w.mu.Lock()
	w.finished = true
	w.mu.Unlock()
	w.wg.Wait()
	return w.ended, w.err
}
