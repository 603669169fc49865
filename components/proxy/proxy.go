package proxy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"

	"github.com/docker/docker/client"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"

	"github.com/ownkube/ownkube/components/leader"
)

// LeaseName is the Lease in kube-system whose holder runs the forwarders.
const LeaseName = "ownkube-proxy"

// Config configures a Proxy.
type Config struct {
	// Client reaches the API server.
	Client kubernetes.Interface
	// Cluster names the cluster: forwarders carry it as their label.
	Cluster string
	// Network is the cluster's Docker network; default ownkube-<Cluster>.
	Network string
	// APIServerURL is the API server as forwarders reach it on Network,
	// e.g. https://apiserver:6443.
	APIServerURL string
	// APITLS, if set, is what forwarders need to reach an API server that
	// serves TLS and authenticates its clients: the proxy's own CA and
	// client certificate, copied into each forwarder container.
	APITLS *TLSFiles
	// ForwarderImage is the forwarder containers' image; default
	// ownkube/forwarder:latest.
	ForwarderImage string
	// Docker reaches the engine; nil means one from the environment
	// (DOCKER_HOST). Only the leader uses it.
	Docker *client.Client
	// Identity names this proxy in the Lease (the node's name).
	Identity string
	// ListenIP is the address NodePorts listen on; empty means all of the
	// node container's addresses.
	ListenIP string
	// NoForwarders turns the leader's job off (tests of NodePorts alone).
	NoForwarders bool
	// Logger receives the proxy's lines; nil means slog's default.
	Logger *slog.Logger
}

// TLSFiles are PEM: the CA of the API server's certificate, and a client
// certificate and its key.
type TLSFiles struct {
	CA, Cert, Key []byte
}

// Proxy serves NodePorts and, while it leads, keeps the forwarders.
type Proxy struct {
	cfg Config
	log *slog.Logger
}

// New checks cfg and fills in its defaults; Run starts the proxy.
func New(cfg Config) (*Proxy, error) {
	if cfg.Client == nil {
		return nil, errors.New("proxy: a Client is required")
	}
	if !cfg.NoForwarders && (cfg.Cluster == "" || cfg.APIServerURL == "") {
		return nil, errors.New("proxy: a Cluster and an APIServerURL are required to run forwarders")
	}
	cfg.Network = cmp.Or(cfg.Network, "ownkube-"+cfg.Cluster)
	cfg.ForwarderImage = cmp.Or(cfg.ForwarderImage, "ownkube/forwarder:latest")
	cfg.Logger = cmp.Or(cfg.Logger, slog.Default())
	return &Proxy{cfg: cfg, log: cfg.Logger.With("component", "proxy")}, nil
}

// Run serves NodePorts and competes for the Lease until ctx ends.
func (p *Proxy) Run(ctx context.Context) error {
	factory := informers.NewSharedInformerFactory(p.cfg.Client, 0)
	np, err := newNodePorts(factory, p.cfg.ListenIP, p.log)
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	g.Go(func() error { return np.run(ctx) })
	if !p.cfg.NoForwarders {
		g.Go(func() error { return p.lead(ctx) })
	}
	p.log.Info("proxy running")
	return g.Wait()
}

// lead runs the forwarders while this proxy holds the Lease, and competes
// again when it loses it.
func (p *Proxy) lead(ctx context.Context) error {
	docker := p.cfg.Docker
	if docker == nil {
		d, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
		if err != nil {
			return fmt.Errorf("proxy: docker client: %w", err)
		}
		defer d.Close()
		docker = d
	}
	for {
		err := leader.Run(ctx, leader.Config{Client: p.cfg.Client, Name: LeaseName, Identity: p.cfg.Identity, Logger: p.log},
			func(ctx context.Context) error {
				factory := informers.NewSharedInformerFactory(p.cfg.Client, 0)
				f, err := newForwarders(p.cfg, docker, factory, p.log)
				if err != nil {
					return err
				}
				factory.Start(ctx.Done())
				defer factory.Shutdown()
				return f.run(ctx)
			})
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, leader.ErrLost):
			p.log.Warn("lost the proxy lease; competing again")
		default:
			return err
		}
	}
}

// readyEndpoints is every ready address of slices (host:port) on the TCP
// port named name. A nil ready condition counts as ready, as the API says.
func readyEndpoints(slices []*discoveryv1.EndpointSlice, name string) []string {
	var out []string
	for _, s := range slices {
		for _, port := range s.Ports {
			if ptrOr(port.Name) != name || port.Port == nil || cmp.Or(ptrOr(port.Protocol), corev1.ProtocolTCP) != corev1.ProtocolTCP {
				continue
			}
			for _, ep := range s.Endpoints {
				if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
					continue
				}
				for _, a := range ep.Addresses {
					out = append(out, net.JoinHostPort(a, strconv.Itoa(int(*port.Port))))
				}
			}
		}
	}
	return out
}

// slicesOf lists the EndpointSlices of Service ns/name.
func slicesOf(lister discoverylisters.EndpointSliceLister, ns, name string) []*discoveryv1.EndpointSlice {
	// A lister reads the informer's cache: it cannot fail.
	out, _ := lister.EndpointSlices(ns).List(labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: name}))
	slices.SortFunc(out, func(a, b *discoveryv1.EndpointSlice) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// affinityOf is the Service's ClientIP affinity timeout, or 0.
func affinityOf(svc *corev1.Service) int32 {
	if svc.Spec.SessionAffinity != corev1.ServiceAffinityClientIP {
		return 0
	}
	if c := svc.Spec.SessionAffinityConfig; c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil {
		return *c.ClientIP.TimeoutSeconds
	}
	return corev1.DefaultClientIPServiceAffinitySeconds
}

func ptrOr[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
