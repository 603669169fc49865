package controllers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"

	"github.com/ownkube/ownkube/components/controllers/controller"
	"github.com/ownkube/ownkube/components/health"
	"github.com/ownkube/ownkube/components/leader"
)

// LeaseName is the Lease in kube-system the replicas compete for.
const LeaseName = "kube-controller-manager"

// Config configures a Manager.
type Config struct {
	// Client reaches the API server.
	Client kubernetes.Interface
	// Dynamic reaches it too, for the controllers that act on every kind
	// (garbage collector, namespace); they refuse to start without it.
	Dynamic dynamic.Interface
	// Controllers names the controllers to run; empty means all of Names().
	Controllers []string
	// Options are the controllers' knobs.
	Options controller.Options
	// LeaderElection, when set, runs the controllers only while this replica
	// holds the Lease LeaseName; its Client and Name are filled in.
	LeaderElection *leader.Config
	// HealthAddress, when set (host:port), serves /healthz (the process
	// runs) and /readyz (it leads and its controllers run).
	HealthAddress string
	// Profiling serves Go's pprof profiles at /debug/pprof/ on the health
	// address (--profiling).
	Profiling bool
	// Logger receives the controllers' lines; nil means slog's default.
	Logger *slog.Logger
}

// Manager runs the controllers.
type Manager struct {
	cfg     Config
	log     *slog.Logger
	running atomic.Bool
}

// New checks cfg and fills in its defaults; Run starts the controllers.
func New(cfg Config) (*Manager, error) {
	if cfg.Client == nil {
		return nil, errors.New("controller-manager: a Client is required")
	}
	if len(cfg.Controllers) == 0 {
		cfg.Controllers = Names()
	}
	for _, name := range cfg.Controllers {
		if !slices.Contains(Names(), name) {
			return nil, fmt.Errorf("controller-manager: unknown controller %q; choose among %v", name, Names())
		}
	}
	cfg.Options = cfg.Options.WithDefaults()
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	if le := cfg.LeaderElection; le != nil {
		le.Client, le.Name, le.Logger = cfg.Client, LeaseName, cfg.Logger
	}
	return &Manager{cfg: cfg, log: cfg.Logger}, nil
}

// Run serves health, then runs the controllers — while leading, if leader
// election is on — until ctx ends. It returns nil after a clean stop, and
// leader.ErrLost if the Lease was lost (the process should exit and be
// restarted, as kube-controller-manager is).
func (m *Manager) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	if m.cfg.HealthAddress != "" {
		ln, err := health.Listen(m.cfg.HealthAddress, "controller-manager")
		if err != nil {
			return err
		}
		health.Serve(ctx, g, ln, "controller-manager", func() error {
			if !m.running.Load() {
				return errors.New("not leading: another replica runs the controllers")
			}
			return nil
		}, health.WithProfiling(m.cfg.Profiling))
	}
	g.Go(func() error {
		if m.cfg.LeaderElection == nil {
			return m.runControllers(ctx)
		}
		return leader.Run(ctx, *m.cfg.LeaderElection, m.runControllers)
	})
	return g.Wait()
}

// runControllers builds every enabled controller on a fresh informer
// factory, starts the informers and runs the controllers until ctx ends.
func (m *Manager) runControllers(ctx context.Context) error {
	if err := m.awaitAPI(ctx); err != nil {
		return err
	}
	events := record.NewBroadcaster(record.WithContext(ctx))
	defer events.Shutdown()
	events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: m.cfg.Client.CoreV1().Events("")})
	cc := &controller.Context{
		Client:    m.cfg.Client,
		Dynamic:   m.cfg.Dynamic,
		Informers: informers.NewSharedInformerFactory(m.cfg.Client, 0),
		Events:    events,
		Options:   m.cfg.Options,
		Log:       m.log,
		Now:       time.Now,
	}
	var run []controller.Controller
	for _, r := range registry {
		if !slices.Contains(m.cfg.Controllers, r.Name) {
			continue
		}
		c, err := r.New(cc)
		if err != nil {
			return fmt.Errorf("controller-manager: build the %s controller: %w", r.Name, err)
		}
		run = append(run, c)
	}
	g, ctx := errgroup.WithContext(ctx)
	cc.Informers.Start(ctx.Done())
	defer cc.Informers.Shutdown()
	for _, c := range run {
		g.Go(func() error { return c.Run(ctx) })
	}
	m.running.Store(true)
	defer m.running.Store(false)
	m.log.Info("controller-manager running", "controllers", m.cfg.Controllers)
	return g.Wait()
}

// awaitAPI waits until the API server answers discovery: the controllers
// discover what it serves when they are built, and the cluster starts its
// components all at once.
func (m *Manager) awaitAPI(ctx context.Context) error {
	var last error
	err := wait.PollUntilContextCancel(ctx, 500*time.Millisecond, true, func(context.Context) (bool, error) {
		_, last = m.cfg.Client.Discovery().ServerGroups()
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("controller-manager: the API server did not answer discovery (%v): %w", last, err)
	}
	return nil
}
