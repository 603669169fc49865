package cluster

import (
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
)

func TestConfigDefaults(t *testing.T) {
	cfg, err := Config{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "ownkube" || cfg.Image != "ownkube:solutions" || cfg.EtcdCompactionInterval != 5*time.Minute ||
		strings.Join(cfg.Components, ",") != "etcd,apiserver,scheduler,controller-manager,dns" || cfg.Nodes != 0 || cfg.StartupTimeout != time.Minute || cfg.Progress == nil {
		t.Errorf("defaults = %+v", cfg)
	}
	for _, bad := range []Config{
		{Name: "Upper"}, {Name: "-dash"}, {Name: "under_score"}, {Name: strings.Repeat("a", 41)},
		{Components: []string{"scheduler-that-does-not-exist"}}, {APIServerPort: 70000},
		{Nodes: -1}, {Nodes: maxNodes + 1}, {Nodes: 1, Components: []string{Etcd}},
		{Images: map[string]string{"kube-proxy": "x:y"}},
	} {
		if _, err := bad.withDefaults(); err == nil {
			t.Errorf("%+v: want an error", bad)
		}
	}
}

// TestImagesPerComponent checks that Images overrides Image for the
// components and the nodes it names, and only those.
func TestImagesPerComponent(t *testing.T) {
	cfg, err := Config{Image: "ownkube:exercises", Nodes: 2,
		Images: map[string]string{APIServer: "ownkube:solutions", Kubelet: "ownkube:solutions"}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	for comp, want := range map[string]string{APIServer: "ownkube:solutions", Kubelet: "ownkube:solutions",
		Scheduler: "ownkube:exercises", Etcd: "ownkube:exercises"} {
		if got := cfg.imageOf(comp); got != want {
			t.Errorf("image of %s = %s, want %s", comp, got, want)
		}
	}
	if got := strings.Join(cfg.usedImages(), ","); got != "ownkube:exercises,ownkube:solutions" {
		t.Errorf("used images = %s", got)
	}
	if got := (Config{Image: "a", Components: NoComponents}).usedImages(); len(got) != 0 {
		t.Errorf("a cluster of no component and no node uses images %v", got)
	}
}

func TestComponentArgs(t *testing.T) {
	cfg, _ := Config{EtcdCompactionInterval: 2 * time.Second}.withDefaults()
	api, _ := lookupComponent(APIServer)
	got := strings.Join(api.Args(cfg, planFor(100)), " ")
	want := "apiserver --etcd-servers http://etcd:2379 --bind-address 0.0.0.0 --port 6443 " +
		"--service-cluster-ip-range 10.100.128.0/17 --etcd-compaction-interval 2s --watch-silence-timeout 30s --profiling " +
		"--tls-cert-file /etc/ownkube/pki/apiserver.crt --tls-private-key-file /etc/ownkube/pki/apiserver.key --client-ca-file /etc/ownkube/pki/ca.crt"
	if got != want {
		t.Errorf("apiserver args:\n got %s\nwant %s", got, want)
	}
	cfg.APIServer.LogRequests = true
	if got := strings.Join(api.Args(cfg, planFor(100)), " "); !strings.HasSuffix(got, " --log-requests") {
		t.Errorf("apiserver args with LogRequests: %s", got)
	}
	etcd, _ := lookupComponent(Etcd)
	if args := strings.Join(etcd.Args(cfg, planFor(100)), " "); !strings.HasPrefix(args, "etcd --name etcd --data-dir /var/lib/etcd ") {
		t.Errorf("etcd args: %s", args)
	}
	if api.hostPort(Config{APIServerPort: 6443}) != "6443" || api.hostPort(Config{}) != "" || etcd.hostPort(Config{APIServerPort: 6443}) != "" {
		t.Error("only the API server takes the port asked for")
	}
	fixed, err := withFixedPorts(Config{Components: []string{Etcd, APIServer, Scheduler}, APIServerPort: 6443})
	if err != nil {
		t.Fatal(err)
	}
	sched, _ := lookupComponent(Scheduler)
	if api.hostPort(fixed) != "6443" || etcd.hostPort(fixed) == "" || sched.hostPort(fixed) != "" {
		t.Errorf("fixed ports %v: want the API server's as asked, one picked for etcd, none for the scheduler", fixed.fixedPorts)
	}
}

func TestPublishedURL(t *testing.T) {
	c := container.Summary{Ports: []container.Port{
		{IP: "::1", PrivatePort: 6443, PublicPort: 40000, Type: "tcp"},
		{IP: "127.0.0.1", PrivatePort: 6443, PublicPort: 40001, Type: "tcp"},
	}}
	api, _ := lookupComponent(APIServer)
	if got := publishedURL(c, api); got != "https://127.0.0.1:40001" {
		t.Errorf("publishedURL = %q, want https: the API server serves TLS", got)
	}
	if got := publishedURL(c, component{Port: 6443}); got != "http://127.0.0.1:40001" {
		t.Errorf("publishedURL of a plain component = %q", got)
	}
	if got := publishedURL(c, component{Port: 2379}); got != "" {
		t.Errorf("unpublished port: %q", got)
	}
}

func TestRemovalTitle(t *testing.T) {
	o := owned{containers: make([]container.Summary, 2), networks: make([]network.Summary, 1)}
	if got := removalTitle(o); got != "Removing 2 containers, 1 network and the kubeconfig" {
		t.Errorf("title = %q", got)
	}
}

func TestKubeletArgsCarryTheNodeSettings(t *testing.T) {
	cfg, _ := Config{Name: "c", Nodes: 1, Node: NodeConfig{CPU: "3", Pods: 20, BackoffBase: time.Second, Verbose: true}}.withDefaults()
	got := " " + strings.Join(kubeletArgs(cfg, planFor(100), nodeName("c", 1)), " ") + " "
	for _, want := range []string{" kubelet ", " --cluster c ", " --node-name c-node-1 ", " --network ownkube-c ",
		" --cpu 3 ", " --pods 20 ", " --backoff-base 1s ", " --kubeconfig /etc/ownkube/kubeconfig ", " --proxy-kubeconfig /etc/ownkube/proxy.kubeconfig ", " --verbose ",
		" --cluster-dns 10.100.128.10 ", " --cluster-domain cluster.local "} {
		if !strings.Contains(got, want) {
			t.Errorf("kubelet args %q lack %q", got, want)
		}
	}
	cfg.Node.Verbose = false
	if quiet := strings.Join(kubeletArgs(cfg, planFor(100), nodeName("c", 1)), " "); strings.Contains(quiet, "--verbose") {
		t.Errorf("kubelet args %q are verbose unless asked", quiet)
	}
	if strings.Contains(got, "--memory") || strings.Contains(got, "--backoff-cap") {
		t.Errorf("kubelet args %q set what was left to the kubelet's defaults", got)
	}
}

func TestKubeletsOfAClusterWithoutDNSGetNoNameserver(t *testing.T) {
	cfg, _ := Config{Name: "c", Nodes: 1, Components: []string{Etcd, APIServer}}.withDefaults()
	if got := strings.Join(kubeletArgs(cfg, planFor(100), nodeName("c", 1)), " "); strings.Contains(got, "--cluster-dns") {
		t.Errorf("kubelet args %q name a cluster DNS that does not run", got)
	}
}

func TestDNSNeedsTheAPIServer(t *testing.T) {
	if _, err := (Config{Components: []string{Etcd, DNS}}).withDefaults(); err == nil {
		t.Error("a cluster DNS without an API server was accepted")
	}
}

func TestAnExplicitlyEmptyControlPlaneStaysEmpty(t *testing.T) {
	cfg, err := Config{Components: NoComponents}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Components == nil || len(cfg.Components) != 0 {
		t.Errorf("components = %#v, want none", cfg.Components)
	}
	if _, err := (Config{Components: NoComponents, Nodes: 1}).withDefaults(); err == nil {
		t.Error("nodes without an API server were accepted")
	}
}

func TestContainersGetTheMutantOnlyWhenOneIsChosen(t *testing.T) {
	t.Setenv("OWNKUBE_MUTANT", "")
	if env := containerEnv(map[string]string{"A": "1"}); len(env) != 1 || env["A"] != "1" {
		t.Errorf("no mutant: env %v, want A=1 alone", env)
	}
	t.Setenv("OWNKUBE_MUTANT", "kubelet/plan-skips-sandbox")
	given := map[string]string{"A": "1"}
	env := containerEnv(given)
	if env["OWNKUBE_MUTANT"] != "kubelet/plan-skips-sandbox" || env["A"] != "1" {
		t.Errorf("mutant chosen: env %v, want A=1 and OWNKUBE_MUTANT", env)
	}
	if _, changed := given["OWNKUBE_MUTANT"]; changed {
		t.Error("containerEnv changed the map it was given")
	}
	if env := containerEnv(nil); env["OWNKUBE_MUTANT"] != "kubelet/plan-skips-sandbox" {
		t.Errorf("mutant chosen, no env given: %v", env)
	}
}
