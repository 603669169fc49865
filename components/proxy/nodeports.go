package proxy

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/ownkube/ownkube/components/controllers/controller"
	"github.com/ownkube/ownkube/components/proxy/relay"
)

// allKey is the one key of the proxy's loops: every sync looks at every
// Service, which keeps the code short and is cheap at the kit's scale.
const allKey = "all"

// nodePorts serves every node port of the cluster on this node.
type nodePorts struct {
	services corelisters.ServiceLister
	slices   discoverylisters.EndpointSliceLister
	loop     *controller.Loop
	listenIP string
	log      *slog.Logger

	mu   sync.Mutex
	open map[int32]*nodePort
}

// nodePort is one listener: a Service port on the node.
type nodePort struct {
	service  string // namespace/name
	portName string
	balancer *relay.Balancer
	stop     context.CancelFunc
}

func newNodePorts(factory informers.SharedInformerFactory, listenIP string, log *slog.Logger) (*nodePorts, error) {
	svcInf := factory.Core().V1().Services()
	sliceInf := factory.Discovery().V1().EndpointSlices()
	n := &nodePorts{services: svcInf.Lister(), slices: sliceInf.Lister(), listenIP: listenIP, log: log,
		open: map[int32]*nodePort{}}
	n.loop = controller.NewLoop("nodeports", n.sync, log, svcInf.Informer().HasSynced, sliceInf.Informer().HasSynced)
	h := allHandlers(n.loop)
	if _, err := svcInf.Informer().AddEventHandler(h); err != nil {
		return nil, fmt.Errorf("proxy: watch services: %w", err)
	}
	if _, err := sliceInf.Informer().AddEventHandler(h); err != nil {
		return nil, fmt.Errorf("proxy: watch endpointslices: %w", err)
	}
	return n, nil
}

func (n *nodePorts) run(ctx context.Context) error {
	defer n.closeAll()
	return n.loop.Run(ctx, 1)
}

// sync opens the node ports Services ask for, closes those no longer asked
// for, and gives each its Service's ready endpoints.
func (n *nodePorts) sync(ctx context.Context, _ string) error {
	svcs, err := n.services.List(labels.Everything())
	if err != nil {
		return err
	}
	want := map[int32]*nodePort{}
	affinity := map[int32]time.Duration{}
	for _, svc := range svcs {
		if svc.Spec.Type != corev1.ServiceTypeNodePort && svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
			continue
		}
		for _, p := range svc.Spec.Ports {
			if p.NodePort == 0 || (p.Protocol != "" && p.Protocol != corev1.ProtocolTCP) {
				continue
			}
			want[p.NodePort] = &nodePort{service: svc.Namespace + "/" + svc.Name, portName: p.Name}
			affinity[p.NodePort] = time.Duration(affinityOf(svc)) * time.Second
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for port, np := range n.open {
		if w, ok := want[port]; !ok || w.service != np.service || w.portName != np.portName {
			np.stop()
			delete(n.open, port)
			n.log.Info("closed node port", "port", port, "service", np.service)
		}
	}
	var errs []error
	for port, w := range want {
		np, ok := n.open[port]
		if !ok {
			if np, err = n.listen(ctx, port, w); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		ns, name, _ := cache.SplitMetaNamespaceKey(np.service)
		np.balancer.Update(readyEndpoints(slicesOf(n.slices, ns, name), np.portName), affinity[port])
	}
	if len(errs) > 0 {
		return fmt.Errorf("open node ports: %v", errs)
	}
	return nil
}

// listen opens port and starts relaying it. Called with n.mu held.
func (n *nodePorts) listen(ctx context.Context, port int32, np *nodePort) (*nodePort, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(n.listenIP, strconv.Itoa(int(port))))
	if err != nil {
		return nil, fmt.Errorf("listen on node port %d for %s: %w", port, np.service, err)
	}
	ctx, np.stop = context.WithCancel(ctx)
	np.balancer = relay.NewBalancer(0)
	n.open[port] = np
	log := n.log.With("nodePort", port, "service", np.service)
	go func() {
		if err := relay.Serve(ctx, ln, np.balancer, log); err != nil {
			log.Error("node port stopped", "err", err)
		}
	}()
	log.Info("opened node port")
	return np, nil
}

func (n *nodePorts) closeAll() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for port, np := range n.open {
		np.stop()
		delete(n.open, port)
	}
}

// allHandlers enqueue allKey on every event.
func allHandlers(l *controller.Loop) cache.ResourceEventHandlerFuncs {
	enqueue := func(any) { l.EnqueueKey(allKey) }
	return cache.ResourceEventHandlerFuncs{AddFunc: enqueue, UpdateFunc: func(_, o any) { enqueue(o) }, DeleteFunc: enqueue}
}
