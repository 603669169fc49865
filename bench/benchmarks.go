package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ownkube/ownkube/bench/load"
	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/kubeconfig"
)

// A benchmark measures one or more operations against the cluster. It sets
// up what it needs (a namespace, objects to update) before it measures.
type benchmark struct {
	// name selects it with -only.
	name string
	// cluster is what it runs against.
	cluster topology
	run     func(ctx context.Context, e *env) (findings, error)
}

// benchmarks run in this order: the API latency ones first, the floor
// (etcd) leading so that the API rows can be compared with it; then those
// that need nodes, each on a cluster of its own.
var benchmarks = []benchmark{
	{name: "etcd", cluster: controlPlane, run: latency(benchEtcd)},
	{name: "create", cluster: controlPlane, run: latency(benchCreate)},
	{name: "update", cluster: controlPlane, run: latency(benchUpdate)},
	{name: "get", cluster: controlPlane, run: latency(benchGet)},
	{name: "startup", cluster: dockerNodes, run: benchStartup},
	{name: "replacement", cluster: controllerNodes, run: benchReplacement},
	{name: "scheduler", cluster: simulatedNodes, run: benchScheduler},
	{name: "nodeloss", cluster: lostNode, run: benchNodeLoss},
	{name: "services", cluster: serviceNodes, run: benchServices},
	{name: "notready", cluster: serviceNodes, run: benchNotReady},
}

func benchmarkNames() []string {
	names := make([]string, len(benchmarks))
	for i, b := range benchmarks {
		names[i] = b.name
	}
	return names
}

// A topology is a cluster benchmarks run against. Each one brings up a
// cluster of its own, and benchmarks next to each other in the table that
// name the same topology share it.
type topology struct {
	// name says what runs, as the report prints it.
	name       string
	components []string
	nodes      int // Docker nodes
	// tune, if set, changes the cluster's configuration.
	tune func(*cluster.Config)
}

var (
	// controlPlane serves the API latency benchmarks: nothing else writes.
	controlPlane = topology{name: "etcd + apiserver", components: []string{cluster.Etcd, cluster.APIServer}}
	// dockerNodes runs real pods.
	dockerNodes = topology{name: "etcd + apiserver + scheduler, 2 Docker nodes",
		components: []string{cluster.Etcd, cluster.APIServer, cluster.Scheduler}, nodes: 2}
	// controllerNodes runs real pods that a ReplicaSet keeps.
	controllerNodes = topology{name: "etcd + apiserver + scheduler + controller-manager, 2 Docker nodes",
		components: []string{cluster.Etcd, cluster.APIServer, cluster.Scheduler, cluster.ControllerManager}, nodes: 2}
	// simulatedNodes leaves the nodes and the scheduler to this process.
	// serviceNodes runs pods behind Services: the controller-manager writes
	// their endpoints, the nodes' proxies carry their traffic.
	serviceNodes = topology{name: "etcd + apiserver + scheduler + controller-manager, 2 Docker nodes with their proxies",
		components: []string{cluster.Etcd, cluster.APIServer, cluster.Scheduler, cluster.ControllerManager}, nodes: 2}
	simulatedNodes = topology{name: "etcd + apiserver; simulated nodes and the scheduler in this process",
		components: []string{cluster.Etcd, cluster.APIServer}}
	// lostNode loses a node: the controller-manager evicts its pods, a
	// ReplicaSet replaces them.
	lostNode = topology{name: "etcd + apiserver + scheduler + controller-manager, 2 Docker nodes, short node monitor periods",
		components: []string{cluster.Etcd, cluster.APIServer, cluster.Scheduler, cluster.ControllerManager}, nodes: 2, tune: withNodeLoss}
)

// config is the cluster.Config of t for a cluster called name.
func (t topology) config(name, image string, progress io.Writer) cluster.Config {
	cfg := cluster.Config{Name: name, Image: image, Components: t.components, Nodes: t.nodes, Progress: progress}
	if t.tune != nil {
		t.tune(&cfg)
	}
	return cfg
}

// group is benchmarks that share a cluster, in table order.
type group struct {
	cluster    topology
	benchmarks []benchmark
}

// plan groups the benchmarks named, in table order, by the cluster they
// share.
func plan(names []string) []group {
	var groups []group
	for _, b := range benchmarks {
		if !slices.Contains(names, b.name) {
			continue
		}
		if n := len(groups); n > 0 && groups[n-1].cluster.name == b.cluster.name {
			groups[n-1].benchmarks = append(groups[n-1].benchmarks, b)
			continue
		}
		groups = append(groups, group{cluster: b.cluster, benchmarks: []benchmark{b}})
	}
	return groups
}

// findings are what benchmarks measured. Each kind of figure is reported
// in its own way; a benchmark fills in its own.
type findings struct {
	// rows are operations offered at the configured load, printed as a
	// latency table beside their etcd floor.
	rows []measurement
	// startup and scheduler are the pod startup and scheduler throughput
	// benchmarks' figures; nil if they did not run.
	startup     *startupFigures
	replacement *replacementFigures
	scheduler   *schedulerFigures
	nodeLoss    *nodeLossFigures
	services    *serviceFigures
	notReady    *notReadyFigures
}

// add merges f's figures into all.
func (all *findings) add(f findings) {
	all.rows = append(all.rows, f.rows...)
	if f.startup != nil {
		all.startup = f.startup
	}
	if f.scheduler != nil {
		all.scheduler = f.scheduler
	}
	if f.nodeLoss != nil {
		all.nodeLoss = f.nodeLoss
	}
	if f.replacement != nil {
		all.replacement = f.replacement
	}
	if f.services != nil {
		all.services = f.services
	}
	if f.notReady != nil {
		all.notReady = f.notReady
	}
}

// latency adapts a benchmark whose figures are rows of the latency table.
func latency(run func(ctx context.Context, e *env) ([]measurement, error)) func(context.Context, *env) (findings, error) {
	return func(ctx context.Context, e *env) (findings, error) {
		ms, err := run(ctx, e)
		return findings{rows: ms}, err
	}
}

// measurement is one operation's row of the report.
type measurement struct {
	// op names the operation: "etcd put", "api create".
	op string
	// floor is the op this one is compared with ("etcd put"); empty for a
	// floor itself.
	floor  string
	result load.Result
}

// runBenchmarks runs bs, in order, and returns what they measured — up to
// the first that could not run, whose error it returns.
func runBenchmarks(ctx context.Context, e *env, bs []benchmark) (findings, error) {
	var all findings
	for _, b := range bs {
		f, err := b.run(ctx, e)
		all.add(f)
		if err != nil {
			return all, fmt.Errorf("benchmark %s: %w", b.name, err)
		}
	}
	return all, nil
}

// Sizes of the object pools benchmarks read from.
const (
	// readPool is how many objects a get benchmark cycles through.
	readPool = 100
	// setupParallelism bounds the requests that create a pool.
	setupParallelism = 16
)

// env is what every benchmark uses: the cluster, its clients and the load
// to offer.
type env struct {
	load        load.Config
	startup     startupConfig
	replacement replacementConfig
	scheduler   schedulerConfig
	services    servicesConfig
	notReady    notReadyConfig
	cluster     *cluster.Cluster
	nodeLoss    nodeLossConfig
	// rest reaches the API server: JSON, no client-side rate limit. kube is
	// its client; a component run in process gets a client of its own.
	rest     *rest.Config
	kube     kubernetes.Interface
	etcd     *clientv3.Client
	progress io.Writer
	// value is the JSON of a ConfigMap as the API server stored it: what the
	// etcd floor writes. Set by the first benchmark that needs it.
	value []byte
}

func newEnv(ctx context.Context, c *cluster.Cluster, opts options, progress io.Writer) (*env, error) {
	rc, err := kubeconfig.RESTConfig(c.KubeconfigPath)
	if err != nil {
		return nil, err
	}
	rc.ContentType = "application/json"
	rc.AcceptContentTypes = "application/json"
	rc.QPS = -1 // no client-side rate limit: the offered rate is ours
	kube, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("client-go for %s: %w", c.APIServerURL, err)
	}
	etcd, err := clientv3.New(clientv3.Config{
		Endpoints:   []string{c.EtcdURL},
		DialTimeout: 10 * time.Second,
		Logger:      zap.NewNop(),
		Context:     ctx,
	})
	if err != nil {
		return nil, fmt.Errorf("etcd client for %s: %w", c.EtcdURL, err)
	}
	return &env{load: opts.load, startup: opts.startup, replacement: opts.replacement, scheduler: opts.scheduler, nodeLoss: opts.nodeLoss, services: opts.services, notReady: opts.notReady, cluster: c,
		rest: rc, kube: kube, etcd: etcd, progress: progress}, nil
}

func (e *env) close() { _ = e.etcd.Close() }

// measure offers op at the configured load and reports how it went.
func (e *env) measure(ctx context.Context, op string, fn load.Op) (load.Result, error) {
	fmt.Fprintf(e.progress, "Measuring %s: %g requests/s for %v ...\n", op, e.load.Rate, e.load.Duration)
	res, err := load.Run(ctx, e.load, fn)
	fmt.Fprintf(e.progress, " ✓ %s: %d succeeded, %d failed, %d dropped\n", op, len(res.Latencies), res.Errors, res.Dropped)
	return res, err
}

// benchConfigMap is the object the API benchmarks write: a few small keys.
func benchConfigMap(name string, i int) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "ownkube-bench"}},
		Data: map[string]string{
			"greeting": "hello from the ownkube control-plane benchmark",
			"index":    fmt.Sprint(i),
		},
	}
}

func configMapName(i int) string { return fmt.Sprintf("cm-%06d", i) }

// newNamespace creates namespace name: each benchmark writes to its own.
func (e *env) newNamespace(ctx context.Context, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := e.kube.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}

// createPool creates n ConfigMaps in namespace ns and returns them as the
// API server answered, resourceVersion included.
func (e *env) createPool(ctx context.Context, ns string, n int) ([]*corev1.ConfigMap, error) {
	fmt.Fprintf(e.progress, "Creating %d ConfigMap(s) in %s ...\n", n, ns)
	pool := make([]*corev1.ConfigMap, n)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(setupParallelism)
	for i := range n {
		g.Go(func() error {
			cm, err := e.kube.CoreV1().ConfigMaps(ns).Create(ctx, benchConfigMap(configMapName(i), i), metav1.CreateOptions{})
			if err != nil {
				return fmt.Errorf("create ConfigMap %s/%s: %w", ns, configMapName(i), err)
			}
			pool[i] = cm
			return nil
		})
	}
	return pool, g.Wait()
}

// storedValue returns the JSON of a ConfigMap the API server created, the
// value the etcd floor writes, creating it on first use.
func (e *env) storedValue(ctx context.Context) ([]byte, error) {
	if e.value != nil {
		return e.value, nil
	}
	const ns = "bench-etcd"
	if err := e.newNamespace(ctx, ns); err != nil {
		return nil, err
	}
	pool, err := e.createPool(ctx, ns, 1)
	if err != nil {
		return nil, err
	}
	if e.value, err = json.Marshal(pool[0]); err != nil {
		return nil, fmt.Errorf("encode ConfigMap: %w", err)
	}
	return e.value, nil
}

// etcdPrefix holds the keys the floor writes, apart from the API server's
// /registry/.
const etcdPrefix = "/ownkube-bench/"

// benchEtcd measures raw etcd Put and Get of a ConfigMap's stored JSON: the
// floor under every API call, which adds HTTP, decoding, validation and
// encoding on top of one such etcd request.
func benchEtcd(ctx context.Context, e *env) ([]measurement, error) {
	value, err := e.storedValue(ctx)
	if err != nil {
		return nil, err
	}
	v := string(value)
	put := func(ctx context.Context, i int) error {
		_, err := e.etcd.Put(ctx, etcdPrefix+"put/"+configMapName(i), v)
		return err
	}
	putRes, err := e.measure(ctx, "etcd put", put)
	ms := []measurement{{op: "etcd put", result: putRes}}
	if err != nil {
		return ms, err
	}

	n := min(readPool, e.load.Planned())
	fmt.Fprintf(e.progress, "Putting %d keys under %sget/ ...\n", n, etcdPrefix)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(setupParallelism)
	for i := range n {
		g.Go(func() error {
			_, err := e.etcd.Put(gctx, etcdPrefix+"get/"+configMapName(i), v)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return ms, fmt.Errorf("etcd put: %w", err)
	}
	get := func(ctx context.Context, i int) error {
		key := etcdPrefix + "get/" + configMapName(i%n)
		resp, err := e.etcd.Get(ctx, key)
		if err == nil && len(resp.Kvs) != 1 {
			err = fmt.Errorf("etcd get %s: not found", key)
		}
		return err
	}
	getRes, err := e.measure(ctx, "etcd get", get)
	return append(ms, measurement{op: "etcd get", result: getRes}), err
}

// benchCreate measures Create of a new ConfigMap per request.
func benchCreate(ctx context.Context, e *env) ([]measurement, error) {
	const ns = "bench-create"
	if err := e.newNamespace(ctx, ns); err != nil {
		return nil, err
	}
	cms := e.kube.CoreV1().ConfigMaps(ns)
	res, err := e.measure(ctx, "api create", func(ctx context.Context, i int) error {
		_, err := cms.Create(ctx, benchConfigMap(configMapName(i), i), metav1.CreateOptions{})
		return err
	})
	return []measurement{{op: "api create", floor: "etcd put", result: res}}, err
}

// benchUpdate measures Update, each request of a different ConfigMap at the
// resourceVersion it was created with, so that none conflicts.
func benchUpdate(ctx context.Context, e *env) ([]measurement, error) {
	const ns = "bench-update"
	if err := e.newNamespace(ctx, ns); err != nil {
		return nil, err
	}
	pool, err := e.createPool(ctx, ns, e.load.Planned())
	if err != nil {
		return nil, err
	}
	cms := e.kube.CoreV1().ConfigMaps(ns)
	res, err := e.measure(ctx, "api update", func(ctx context.Context, i int) error {
		cm := pool[i].DeepCopy()
		cm.Data["index"] = fmt.Sprintf("%d, updated", i)
		_, err := cms.Update(ctx, cm, metav1.UpdateOptions{})
		return err
	})
	return []measurement{{op: "api update", floor: "etcd put", result: res}}, err
}

// benchGet measures Get, cycling through a pool of ConfigMaps.
func benchGet(ctx context.Context, e *env) ([]measurement, error) {
	const ns = "bench-get"
	if err := e.newNamespace(ctx, ns); err != nil {
		return nil, err
	}
	n := min(readPool, e.load.Planned())
	if _, err := e.createPool(ctx, ns, n); err != nil {
		return nil, err
	}
	cms := e.kube.CoreV1().ConfigMaps(ns)
	res, err := e.measure(ctx, "api get", func(ctx context.Context, i int) error {
		_, err := cms.Get(ctx, configMapName(i%n), metav1.GetOptions{})
		return err
	})
	return []measurement{{op: "api get", floor: "etcd get", result: res}}, err
}
