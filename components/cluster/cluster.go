package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"

	"github.com/ownkube/ownkube/components/api/serviceip"
	"github.com/ownkube/ownkube/components/kubeconfig"
)

// Config describes the cluster Up brings up. The zero value of each field
// means its default.
type Config struct {
	// Name names the cluster, its containers (<Name>-etcd …), its network
	// (ownkube-<Name>) and its directory ~/.ownkube/<Name>. Default "ownkube".
	Name string
	// Image is the local image every component runs. Default "ownkube:solutions".
	Image string
	// Images overrides Image per component: a control-plane component's
	// name (APIServer, Scheduler …) or Kubelet for the nodes, to the image
	// it runs instead. `ownkube check --reference` runs the reference's
	// image for the components a learner has not written yet.
	Images map[string]string
	// APIServerPort is the port on 127.0.0.1 the API server is published
	// on; 0 picks a free one when the cluster comes up. Either way the
	// port is fixed in the container's binding, as kind does, so the
	// kubeconfig keeps working across a restart of the API server.
	APIServerPort int
	// EtcdEphemeral keeps etcd's data on a tmpfs, lost when its container
	// stops, instead of a Docker volume owned by the cluster (removed by
	// Down). Faster, for clusters nothing needs to survive.
	EtcdEphemeral bool
	// EtcdCompactionInterval is how often the API server compacts etcd's
	// history. Default 5m.
	EtcdCompactionInterval time.Duration
	// Components are the control-plane components to start, all at once.
	// Nil means the default: etcd, apiserver, scheduler, controller-manager
	// and dns. An empty, non-nil list (NoComponents) starts none: the
	// cluster is its network alone, where stage 1's CLI starts push nodes.
	Components []string
	// Nodes is how many nodes (kubelet containers) to start beside them.
	Nodes int
	// Node sizes what each node offers to pods. Zero fields take the
	// kubelet's defaults.
	Node NodeConfig
	// APIServer and ControllerManager tune those components; zero fields
	// take their defaults.
	APIServer         APIServerConfig
	ControllerManager ControllerManagerConfig
	// StartupTimeout bounds how long each component may take to answer
	// ready. Default 60s.
	StartupTimeout time.Duration
	// Progress receives a line per step; nil discards them.
	Progress io.Writer

	// fixedPorts are the host ports Up picked (withFixedPorts), by component.
	fixedPorts map[string]int
}

// NoComponents is Config.Components for a cluster with no control plane.
var NoComponents = []string{}

// Defaults of Config.
const (
	DefaultName                   = "ownkube"
	DefaultImage                  = "ownkube:solutions"
	DefaultEtcdCompactionInterval = 5 * time.Minute
	DefaultStartupTimeout         = 60 * time.Second
)

var validName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func (cfg Config) withDefaults() (Config, error) {
	if cfg.Name == "" {
		cfg.Name = DefaultName
	}
	if err := validateName(cfg.Name); err != nil {
		return cfg, err
	}
	if cfg.Image == "" {
		cfg.Image = DefaultImage
	}
	if cfg.EtcdCompactionInterval == 0 {
		cfg.EtcdCompactionInterval = DefaultEtcdCompactionInterval
	}
	if cfg.Components == nil {
		cfg.Components = []string{Etcd, APIServer, Scheduler, ControllerManager, DNS}
	}
	if cfg.Nodes < 0 || cfg.Nodes > maxNodes {
		return cfg, fmt.Errorf("%d nodes: choose between 0 and %d", cfg.Nodes, maxNodes)
	}
	if cfg.Nodes > 0 && !slices.Contains(cfg.Components, APIServer) {
		return cfg, fmt.Errorf("nodes need an API server to register with: add %s to the components", APIServer)
	}
	for _, c := range cfg.Components {
		if _, err := lookupComponent(c); err != nil {
			return cfg, err
		}
	}
	for c := range cfg.Images {
		if _, err := lookupComponent(c); err != nil && c != Kubelet {
			return cfg, fmt.Errorf("images: %w (or %s, for the nodes)", err, Kubelet)
		}
	}
	if slices.Contains(cfg.Components, DNS) && !slices.Contains(cfg.Components, APIServer) {
		return cfg, fmt.Errorf("the cluster DNS reads Services from the API: add %s to the components", APIServer)
	}
	if cfg.StartupTimeout == 0 {
		cfg.StartupTimeout = DefaultStartupTimeout
	}
	if cfg.APIServerPort < 0 || cfg.APIServerPort > 65535 {
		return cfg, fmt.Errorf("port %d is not a TCP port; choose one in 1-65535 or leave it out", cfg.APIServerPort)
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	return cfg, nil
}

func validateName(name string) error {
	if len(name) > 40 || !validName.MatchString(name) {
		return fmt.Errorf("cluster name %q is not valid: use at most 40 lower-case letters, digits and '-', starting and ending with a letter or digit", name)
	}
	return nil
}

// Cluster is a running cluster: where to reach it from the host. It travels
// as JSON between the e2e suite's processes.
type Cluster struct {
	Name string `json:"name"`
	// APIServerURL is https://127.0.0.1:<port>; empty if no API server
	// runs. It serves TLS with a certificate of the cluster's CA and
	// answers only clients with a certificate of it: use KubeconfigPath.
	APIServerURL string `json:"apiServerURL,omitempty"`
	// EtcdURL is http://127.0.0.1:<port>, etcd's client port published for
	// tests and benchmarks that read etcd directly.
	EtcdURL string `json:"etcdURL,omitempty"`
	// Network is the Docker network the cluster's containers share.
	Network string `json:"network"`
	// Subnet is Network's subnet; Docker assigns container addresses from its
	// lower half.
	Subnet string `json:"subnet"`
	// ServiceCIDR is the upper half of Subnet, left for Service IPs.
	ServiceCIDR string `json:"serviceCIDR"`
	// KubeconfigPath is ~/.ownkube/<Name>/kubeconfig; empty if no API
	// server runs.
	KubeconfigPath string `json:"kubeconfigPath,omitempty"`
	// Nodes names the cluster's nodes, as they register with the API.
	Nodes []string `json:"nodes,omitempty"`
	// DNS is the address of the cluster DNS on Network (the tenth of
	// ServiceCIDR), the nameserver of pods with dnsPolicy ClusterFirst;
	// empty if it does not run.
	DNS string `json:"dns,omitempty"`
	// ComponentURLs are, by control-plane component, the URLs on
	// 127.0.0.1 of each replica's published port (its API or health port,
	// where --profiling serves /debug/pprof/).
	ComponentURLs map[string][]string `json:"componentURLs,omitempty"`
}

// ErrNotFound is returned (wrapped) by Get when no cluster has the name.
var ErrNotFound = errors.New("no such cluster")

// Up brings up the cluster cfg describes and returns it once every component
// answers ready. If the cluster is already up it says so and returns it. On
// failure it first removes everything it created.
func Up(ctx context.Context, cfg Config) (*Cluster, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	setTestcontainersEnv()
	docker, err := Docker(ctx)
	if err != nil {
		return nil, err
	}
	defer docker.Close()

	existing, err := get(ctx, docker, cfg.Name)
	switch {
	case err == nil:
		fmt.Fprintf(cfg.Progress, "cluster %q is already up\n", cfg.Name)
		return existing, nil
	case !errors.Is(err, ErrNotFound) && !errors.Is(err, errUnhealthy):
		return nil, err
	}

	p := newProgress(cfg.Progress)
	header := sync.OnceFunc(func() { fmt.Fprintf(cfg.Progress, "Creating cluster %q ...\n", cfg.Name) })
	if errors.Is(err, errUnhealthy) {
		header()
		// Leftovers of an `up` that was killed, or of a cluster whose
		// containers stopped: its state is gone with its etcd, so start over.
		if err := p.step("Removing the leftovers of cluster "+strconv.Quote(cfg.Name), func() error {
			return removeOwned(ctx, docker, cfg.Name)
		}); err != nil {
			return nil, err
		}
	}
	if err := preflight(ctx, docker, cfg); err != nil {
		return nil, err
	}
	if cfg, err = withFixedPorts(cfg); err != nil {
		return nil, err
	}
	header()

	c, err := up(ctx, docker, cfg, p)
	if err != nil {
		// Clean up even if ctx was cancelled (Ctrl-C): leave nothing behind.
		cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if cerr := removeOwned(cleanupCtx, docker, cfg.Name); cerr != nil {
			err = fmt.Errorf("%w\n(and removing what was created failed: %v)", err, cerr)
		}
		removeKubeconfig(cfg.Name)
		return nil, err
	}
	return c, nil
}

// preflight fails with one sentence on anything that would make Up fail
// half-way: a name or port taken by something else, a missing image.
func preflight(ctx context.Context, docker *client.Client, cfg Config) error {
	if err := checkNames(ctx, docker, cfg); err != nil {
		return err
	}
	if err := imageExists(ctx, docker, cfg); err != nil {
		return err
	}
	if cfg.APIServerPort != 0 && slices.Contains(cfg.Components, APIServer) {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.APIServerPort)))
		if err != nil {
			return portInUse(cfg.APIServerPort)
		}
		l.Close()
	}
	return nil
}

// withFixedPorts picks a free port on 127.0.0.1 for the API server, when
// none was asked for, and for etcd, so their bindings name the ports:
// Docker's own choice (an empty HostPort) changes on every restart of the
// container, and with it the kubeconfig's server and the CLI's --etcd. A
// port is free when picked; another process could take it before the
// container binds it, which Up reports as a port in use.
func withFixedPorts(cfg Config) (Config, error) {
	cfg.fixedPorts = map[string]int{}
	if cfg.APIServerPort != 0 {
		cfg.fixedPorts[APIServer] = cfg.APIServerPort
	}
	for _, c := range []string{Etcd, APIServer} {
		if !slices.Contains(cfg.Components, c) || cfg.fixedPorts[c] != 0 {
			continue
		}
		port, err := freePort()
		if err != nil {
			return cfg, fmt.Errorf("find a free port on 127.0.0.1 for %s: %w", c, err)
		}
		cfg.fixedPorts[c] = port
	}
	return cfg, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// imageOf is the image component (a control-plane component's name, or
// Kubelet for a node) runs: its entry in Images, else Image.
func (cfg Config) imageOf(component string) string {
	if img := cfg.Images[component]; img != "" {
		return img
	}
	return cfg.Image
}

// usedImages are the images of the components and nodes cfg starts, each
// once; a cluster of neither (stage 1's network) runs no image.
func (cfg Config) usedImages() []string {
	names := slices.Clone(cfg.Components)
	if cfg.Nodes > 0 {
		names = append(names, Kubelet)
	}
	var imgs []string
	for _, n := range names {
		if img := cfg.imageOf(n); !slices.Contains(imgs, img) {
			imgs = append(imgs, img)
		}
	}
	return imgs
}

// imageExists fails if an image a component or node runs is missing.
func imageExists(ctx context.Context, docker *client.Client, cfg Config) error {
	for _, img := range cfg.usedImages() {
		if _, err := docker.ImageInspect(ctx, img); err != nil {
			if errdefs.IsNotFound(err) {
				return fmt.Errorf("image %s does not exist and cannot be pulled; build it with `ownkube images`", img)
			}
			return fmt.Errorf("inspect image %s: %w", img, err)
		}
	}
	return nil
}

func portInUse(port int) error {
	return fmt.Errorf("port %d on 127.0.0.1 is in use; choose another --port or leave it out", port)
}

// up creates the network, starts the components together and writes the
// kubeconfig.
func up(ctx context.Context, docker *client.Client, cfg Config, p *progress) (*Cluster, error) {
	c := &Cluster{Name: cfg.Name, Network: networkName(cfg.Name)}
	var plan addressPlan
	if err := p.step("Creating network "+c.Network, func() error {
		var err error
		plan, err = createNetwork(ctx, docker, cfg.Name, cfg.Components)
		return err
	}); err != nil {
		return nil, err
	}
	c.Subnet, c.ServiceCIDR = plan.Subnet.String(), plan.ServiceCIDR.String()
	if slices.Contains(cfg.Components, DNS) {
		c.DNS = plan.DNS.String()
	}

	if slices.Contains(cfg.Components, APIServer) {
		if err := p.step("Making the cluster's certificate authority", func() error { return makeCA(cfg.Name) }); err != nil {
			return nil, err
		}
	}
	urls, err := startAll(ctx, docker, cfg, plan, p)
	if err != nil {
		return nil, err
	}
	for i := 1; i <= cfg.Nodes; i++ {
		c.Nodes = append(c.Nodes, nodeName(cfg.Name, i))
	}
	c.EtcdURL, c.APIServerURL = urls[Etcd], urls[APIServer]
	for _, name := range cfg.Components { // as get reads them back
		c.addComponentURL(name, urls[name])
	}

	if c.APIServerURL != "" {
		if err := p.step("Writing kubeconfig", func() error {
			path, err := kubeconfig.Path(cfg.Name)
			if err != nil {
				return err
			}
			c.KubeconfigPath = path
			admin, err := adminKubeconfig(cfg.Name, c.APIServerURL)
			if err != nil {
				return err
			}
			return kubeconfig.Write(path, admin)
		}); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Get returns the running cluster called name, read back from Docker. It
// fails with ErrNotFound if Docker holds nothing of that cluster, and with
// another error if the cluster is incomplete or some component has stopped.
func Get(ctx context.Context, name string) (*Cluster, error) {
	if err := validateName(name); err != nil {
		return nil, err
	}
	setTestcontainersEnv()
	docker, err := Docker(ctx)
	if err != nil {
		return nil, err
	}
	defer docker.Close()
	return get(ctx, docker, name)
}

var errUnhealthy = errors.New("not healthy")

func get(ctx context.Context, docker *client.Client, name string) (*Cluster, error) {
	o, err := listOwned(ctx, docker, name)
	if err != nil {
		return nil, err
	}
	if o.empty() {
		return nil, fmt.Errorf("cluster %q: %w", name, ErrNotFound)
	}
	c := &Cluster{Name: name}
	for _, n := range o.networks {
		if n.Name != networkName(name) {
			continue
		}
		c.Network = n.Name
		c.ServiceCIDR = n.Labels[labelServiceCIDR]
		if len(n.IPAM.Config) > 0 {
			c.Subnet = n.IPAM.Config[0].Subnet
		}
	}
	if c.Network == "" {
		return nil, fmt.Errorf("cluster %q is %w: its network %s is missing", name, errUnhealthy, networkName(name))
	}
	// A network labelled with no components belongs to a cluster that has
	// no control plane by design; one without the label predates it.
	controlPlaneFound := hasNoComponents(o.networks, networkName(name))
	for _, ctr := range o.containers {
		if ctr.Labels[LabelComponent] == Node {
			c.Nodes = append(c.Nodes, ctr.Labels[LabelNode])
		}
		comp, err := lookupComponent(ctr.Labels[LabelComponent])
		if err != nil {
			continue // a node or a pod, started by a component
		}
		controlPlaneFound = true
		if ctr.State != container.StateRunning {
			return nil, fmt.Errorf("cluster %q is %w: container %s is %s", name, errUnhealthy, displayName(ctr), ctr.State)
		}
		url := publishedURL(ctr, comp)
		c.addComponentURL(comp.Name, url)
		switch comp.Name {
		case Etcd:
			c.EtcdURL = url
		case APIServer:
			c.APIServerURL = url
		case DNS:
			if p, err := netip.ParsePrefix(c.ServiceCIDR); err == nil {
				c.DNS = serviceip.DNS(p).String()
			}
		}
	}
	if !controlPlaneFound {
		return nil, fmt.Errorf("cluster %q is %w: it has no control-plane container", name, errUnhealthy)
	}
	if c.APIServerURL != "" {
		if c.KubeconfigPath, err = kubeconfig.Path(name); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *Cluster) addComponentURL(component, url string) {
	if url == "" {
		return
	}
	if c.ComponentURLs == nil {
		c.ComponentURLs = map[string][]string{}
	}
	c.ComponentURLs[component] = append(c.ComponentURLs[component], url)
}

// hasNoComponents reports whether the network called name records that
// its cluster was brought up with no control-plane component.
func hasNoComponents(networks []network.Summary, name string) bool {
	for _, n := range networks {
		if v, ok := n.Labels[labelComponents]; ok && n.Name == name && v == "" {
			return true
		}
	}
	return false
}

// publishedURL is the URL on 127.0.0.1 where ctr, a container of comp, is
// published: https for a component serving TLS.
func publishedURL(ctr container.Summary, comp component) string {
	for _, p := range ctr.Ports {
		if int(p.PrivatePort) == comp.Port && p.PublicPort != 0 && p.Type == "tcp" {
			if ip, err := netip.ParseAddr(p.IP); err == nil && ip.Is6() {
				continue
			}
			return fmt.Sprintf("%s://127.0.0.1:%d", comp.scheme(), p.PublicPort)
		}
	}
	return ""
}

// Down removes everything labelled with cluster name — containers (also
// those components started: nodes, pods), then networks and volumes — and
// its directory ~/.ownkube/<name>. A cluster that does not exist is not an
// error.
func Down(ctx context.Context, name string, progress io.Writer) error {
	if err := validateName(name); err != nil {
		return err
	}
	if progress == nil {
		progress = io.Discard
	}
	docker, err := Docker(ctx)
	if err != nil {
		return err
	}
	defer docker.Close()

	o, err := listOwned(ctx, docker, name)
	if err != nil {
		return err
	}
	if o.empty() {
		removeKubeconfig(name)
		fmt.Fprintf(progress, "no cluster named %q; nothing to remove\n", name)
		return nil
	}
	fmt.Fprintf(progress, "Deleting cluster %q ...\n", name)
	p := newProgress(progress)
	return p.step(removalTitle(o), func() error {
		if err := removeOwned(ctx, docker, name); err != nil {
			return err
		}
		dir, err := kubeconfig.Dir(name)
		if err != nil {
			return err
		}
		return os.RemoveAll(dir)
	})
}

// DownAll removes every cluster on this Docker engine, each as Down does:
// those named by the cluster label of a container, network or volume.
// Nothing without the label is touched.
func DownAll(ctx context.Context, progress io.Writer) error {
	docker, err := Docker(ctx)
	if err != nil {
		return err
	}
	names, err := clusterNames(ctx, docker)
	docker.Close()
	if err != nil {
		return err
	}
	if len(names) == 0 && progress != nil {
		fmt.Fprintln(progress, "no ownkube clusters; nothing to remove")
	}
	for _, name := range names {
		if err := Down(ctx, name, progress); err != nil {
			return fmt.Errorf("remove cluster %q: %w", name, err)
		}
	}
	return nil
}

func removalTitle(o owned) string {
	parts := []string{plural(len(o.containers), "container")}
	parts = append(parts, plural(len(o.networks), "network"))
	if len(o.volumes) > 0 {
		parts = append(parts, plural(len(o.volumes), "volume"))
	}
	return "Removing " + strings.Join(parts, ", ") + " and the kubeconfig"
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func removeKubeconfig(name string) {
	if dir, err := kubeconfig.Dir(name); err == nil {
		_ = os.RemoveAll(dir)
	}
}

// ContainerState is one of a cluster's own containers as Docker reports it.
type ContainerState struct {
	Component string // etcd, apiserver, scheduler, dns, node
	Name      string
	State     string // running, exited, …
	Status    string // Docker's words: "Up 5 minutes"
}

// Containers lists the cluster's control-plane, node and forwarder
// containers (not its pods'), sorted by name.
func Containers(ctx context.Context, name string) ([]ContainerState, error) {
	docker, err := Docker(ctx)
	if err != nil {
		return nil, err
	}
	defer docker.Close()
	o, err := listOwned(ctx, docker, name)
	if err != nil {
		return nil, err
	}
	var out []ContainerState
	for _, ctr := range o.containers {
		comp := ctr.Labels[LabelComponent]
		if _, err := lookupComponent(comp); err != nil && comp != Node && comp != Forwarder {
			continue // a pod's container
		}
		out = append(out, ContainerState{Component: comp, Name: displayName(ctr), State: string(ctr.State), Status: ctr.Status})
	}
	slices.SortFunc(out, func(a, b ContainerState) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
