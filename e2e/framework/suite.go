package framework

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/images"
	"github.com/ownkube/ownkube/components/kit/mutant"
	"github.com/ownkube/ownkube/components/kubeconfig"
)

// Timeouts of the suite's setup and teardown.
const (
	// bringUpTimeout covers building the images, which on a cold Go build
	// cache takes minutes, and starting the cluster.
	bringUpTimeout  = 10 * time.Minute
	tearDownTimeout = 2 * time.Minute
	// dumpTimeout bounds what a failing spec spends collecting diagnostics.
	dumpTimeout = time.Minute
)

// The nodes of the suite's cluster: how many, what each offers to pods, and
// their kubelets' restart back-off, short so that specs see restarts within
// seconds (Kubernetes: 10s doubling to 5m).
const (
	NodeCount   = 2
	NodeCPU     = "2"
	NodeMemory  = "4Gi"
	BackoffBase = time.Second
	BackoffCap  = 4 * time.Second
)

// How fast the suite's cluster notices a lost node, short so that specs
// see it within seconds (Kubernetes: a Lease renewed every 10s, a node
// Unknown after 40s, its pods evicted 300s later). The grace period spans
// eight renewals, so a slow machine does not lose nodes that still run.
const (
	HeartbeatInterval      = 2 * time.Second
	NodeMonitorGracePeriod = 16 * time.Second
	NodeMonitorPeriod      = 2 * time.Second
	// TolerationSeconds is how long pods without tolerations of their own
	// stay on a node not-ready or unreachable (the API server's
	// --default-*-toleration-seconds).
	TolerationSeconds = 5
)

// clusterConfig is the configuration of the suite's cluster: what process
// 1 brings up, and what every process starts more of it with (AddNode).
// The stage's scenario (StageEnv) picks its components and nodes;
// ReferenceEnv those that run the reference's image.
func clusterConfig(name, image string, compaction time.Duration) (cluster.Config, error) {
	components, nodes, err := topology()
	if err != nil {
		return cluster.Config{}, err
	}
	ref, err := reference()
	if err != nil {
		return cluster.Config{}, err
	}
	refImages, err := referenceImages(ref, implUnderTest())
	if err != nil {
		return cluster.Config{}, err
	}
	forwarder, err := images.Tag("forwarder", implUnderTest())
	if err != nil {
		return cluster.Config{}, err
	}
	return cluster.Config{
		Name:                   name,
		Image:                  image,
		Images:                 refImages,
		EtcdCompactionInterval: compaction,
		Components:             components,
		Nodes:                  nodes,
		Node: cluster.NodeConfig{
			CPU: NodeCPU, Memory: NodeMemory,
			BackoffBase: BackoffBase, BackoffCap: BackoffCap,
			HeartbeatInterval: HeartbeatInterval,
			// A failing spec's timeline shows each kubelet action.
			Verbose: true,
			// The forwarder of this tree, built beside its image.
			ForwarderImage: forwarder,
		},
		APIServer: cluster.APIServerConfig{
			DefaultNotReadyTolerationSeconds:    TolerationSeconds,
			DefaultUnreachableTolerationSeconds: TolerationSeconds,
			// A failing spec's timeline shows the API's side of it.
			LogRequests: true,
		},
		ControllerManager: cluster.ControllerManagerConfig{
			NodeMonitorGracePeriod: NodeMonitorGracePeriod,
			NodeMonitorPeriod:      NodeMonitorPeriod,
		},
		Progress: GinkgoWriter,
	}, nil
}

// The state every process shares once SynchronizedBeforeSuite has run.
var (
	theCluster    *cluster.Cluster
	restConfig    *rest.Config
	clientset     kubernetes.Interface
	dynamicClient dynamic.Interface
	docker        *client.Client

	// clusterName is set on process 1 before Up, so teardown can remove a
	// cluster whose bring-up failed half-way.
	clusterName string
	// theBystander runs on process 1's engine from before Up to after
	// Down, without the cluster's label: teardown checks it is untouched.
	theBystander bystander
)

// SetUpSuite registers the suite-level nodes: bring-up before the specs,
// teardown after them, and the dump of the cluster's container logs when a
// spec fails. Call it once per suite, at the top level; it returns true so it
// can be called as `var _ = framework.SetUpSuite()`.
func SetUpSuite() bool {
	SynchronizedBeforeSuite(bringUp, connect, NodeTimeout(bringUpTimeout))
	SynchronizedAfterSuite(func() {}, tearDown, NodeTimeout(tearDownTimeout))
	return true
}

// bringUp runs on process 1: build the images once, start the cluster, and
// pass it to every process.
func bringUp(ctx SpecContext) []byte {
	impl := implUnderTest()
	compaction, err := time.ParseDuration(envOr("OWNKUBE_E2E_COMPACTION", "2s"))
	Expect(err).NotTo(HaveOccurred(), "OWNKUBE_E2E_COMPACTION must be a Go duration such as 2s")

	ref, err := reference()
	Expect(err).NotTo(HaveOccurred())

	By("building the images of implementation " + impl)
	Expect(images.Build(ctx, images.Options{Impl: impl, Progress: GinkgoWriter})).To(Succeed())
	if len(ref) > 0 && impl != images.Solutions {
		By("preparing the reference's image for " + strings.Join(ref, ", "))
		Expect(prepareReference(ctx, ref, impl)).To(Succeed())
	}

	By("building the ownkube CLI of implementation " + impl)
	cli, err := buildCLI(ctx, impl)
	Expect(err).NotTo(HaveOccurred())

	image, err := images.Tag("ownkube", impl)
	Expect(err).NotTo(HaveOccurred())
	cfg, err := clusterConfig("e2e-"+randomSuffix(), image, compaction)
	Expect(err).NotTo(HaveOccurred())
	clusterName = cfg.Name
	By("starting a bystander container, without the cluster's label, that nothing may touch")
	d, err := cluster.Docker(ctx)
	Expect(err).NotTo(HaveOccurred())
	defer d.Close()
	theBystander, err = startBystander(ctx, d, clusterName)
	Expect(err).NotTo(HaveOccurred())
	By("bringing up cluster " + clusterName + " with " + describeTopology())
	c, err := cluster.Up(ctx, cfg)
	Expect(err).NotTo(HaveOccurred(), "bring up cluster %s", clusterName)

	data, err := json.Marshal(shared{Cluster: c, CLI: cli})
	Expect(err).NotTo(HaveOccurred())
	return data
}

// shared is what process 1 passes to every process: the cluster, and the
// path of the CLI it built.
type shared struct {
	*cluster.Cluster
	CLI string `json:"cli"`
}

// connect runs on every process: make the clients of the cluster, and have a
// failing spec carry the logs of the cluster's containers.
func connect(ctx SpecContext, data []byte) {
	s := shared{Cluster: &cluster.Cluster{}}
	Expect(json.Unmarshal(data, &s)).To(Succeed())
	theCluster, cliPath = s.Cluster, s.CLI

	var err error
	docker, err = cluster.Docker(ctx)
	Expect(err).NotTo(HaveOccurred())
	DeferOnFailure(func(ctx SpecContext) { attachContainerLogs(ctx, theCluster.Name) }, NodeTimeout(dumpTimeout))
	DeferOnFailure(func(ctx SpecContext) { writeTimeline(ctx, theCluster.Name) }, NodeTimeout(dumpTimeout))

	if theCluster.KubeconfigPath == "" {
		return // no API server in this topology
	}
	restConfig, err = kubeconfig.RESTConfig(theCluster.KubeconfigPath)
	Expect(err).NotTo(HaveOccurred())
	// The suite's own requests should not wait on client-side rate limits.
	restConfig.QPS, restConfig.Burst = 200, 400
	// The API server's request log, and so a timeline, names the suite so.
	restConfig.UserAgent = "e2e"
	clientset, err = kubernetes.NewForConfig(restConfig)
	Expect(err).NotTo(HaveOccurred())
	dynamicClient, err = dynamic.NewForConfig(restConfig)
	Expect(err).NotTo(HaveOccurred())
}

// tearDown runs on process 1 after every process has finished: remove the
// cluster, then make sure Docker holds nothing labelled with it.
func tearDown(ctx SpecContext) {
	if clusterName == "" {
		return
	}
	d, err := cluster.Docker(ctx)
	Expect(err).NotTo(HaveOccurred())
	defer d.Close()
	defer func() { Expect(theBystander.remove(ctx, d)).To(Succeed()) }()

	By("bringing down cluster " + clusterName)
	Expect(cluster.Down(ctx, clusterName, GinkgoWriter)).To(Succeed())

	By("checking that the bystander, which has no cluster label, still runs as it was started")
	if theBystander.ID != "" {
		Expect(theBystander.untouched(ctx, d)).To(Succeed())
	}

	By("checking that nothing of cluster " + clusterName + " remains")
	Expect(leftovers(ctx, d, clusterName)).To(BeEmpty(),
		"Docker still holds these, labelled %s=%s, after the cluster was brought down", cluster.LabelCluster, clusterName)
}

// leftovers names every container, network and volume labelled with cluster.
func leftovers(ctx context.Context, d *client.Client, name string) ([]string, error) {
	f := cluster.ClusterFilter(name)
	var left []string
	cs, err := d.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		left = append(left, fmt.Sprintf("container %s (%s)", c.Names, c.State))
	}
	ns, err := d.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		left = append(left, "network "+n.Name)
	}
	vs, err := d.VolumeList(ctx, volume.ListOptions{Filters: f})
	if err != nil {
		return nil, err
	}
	for _, v := range vs.Volumes {
		left = append(left, "volume "+v.Name)
	}
	return left, nil
}

// Cluster is the cluster the suite runs against.
func Cluster() *cluster.Cluster {
	mustBeUp()
	c := *theCluster
	return &c
}

// RESTConfig is the client configuration of the cluster's API server; change
// a copy (rest.CopyConfig), not it.
func RESTConfig() *rest.Config {
	mustHaveAPIServer()
	return restConfig
}

// Client is a clientset of the cluster's API server.
func Client() kubernetes.Interface {
	mustHaveAPIServer()
	return clientset
}

// DynamicClient is a dynamic client of the cluster's API server.
func DynamicClient() dynamic.Interface {
	mustHaveAPIServer()
	return dynamicClient
}

// Docker is the Docker client, for the few specs that inject faults (stop a
// node, kill a container). Touch only containers labelled with the cluster.
func Docker() *client.Client {
	mustBeUp()
	return docker
}

func mustBeUp() {
	if theCluster == nil {
		Fail("the cluster is not up: call framework.SetUpSuite() at the top level of the suite")
	}
}

func mustHaveAPIServer() {
	mustBeUp()
	if restConfig == nil {
		Fail(fmt.Sprintf("cluster %s runs no API server", theCluster.Name))
	}
}

// implUnderTest is the implementation the suite tests: OWNKUBE_E2E_IMPL,
// else the mutants' build when OWNKUBE_MUTANT names a mutant (the kill run,
// components/kit/killrun), else the one the suite was built with.
func implUnderTest() string {
	if mutant.Name() != "" {
		return envOr("OWNKUBE_E2E_IMPL", images.Mutants)
	}
	return envOr("OWNKUBE_E2E_IMPL", defaultImpl)
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func randomSuffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
