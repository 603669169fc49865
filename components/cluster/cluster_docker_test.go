package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestUpGetDownEtcdOnly runs the launcher against the local Docker engine with
// an etcd-only topology (stage 2). It needs the image `ownkube images` builds
// and is skipped without it, or with -short.
func TestUpGetDownEtcdOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts containers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	docker, err := Docker(ctx)
	if err != nil {
		t.Skip(err)
	}
	defer docker.Close()
	if _, err := docker.ImageInspect(ctx, DefaultImage); err != nil {
		t.Skipf("image %s: %v (build it with `ownkube images`)", DefaultImage, err)
	}

	name := fmt.Sprintf("unit-%d", time.Now().UnixNano()%1_000_000)
	t.Cleanup(func() { _ = Down(context.Background(), name, nil) })

	var progress bytes.Buffer
	c, err := Up(ctx, Config{Name: name, Components: []string{Etcd}, Progress: &progress})
	if err != nil {
		t.Fatalf("Up: %v\n%s", err, progress.String())
	}
	for _, want := range []string{"Creating network ownkube-" + name, "Starting etcd"} {
		if !strings.Contains(progress.String(), " ✓ "+want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
	if c.APIServerURL != "" || c.KubeconfigPath != "" || !strings.HasPrefix(c.EtcdURL, "http://127.0.0.1:") {
		t.Errorf("cluster = %+v", c)
	}
	resp, err := http.Get(c.EtcdURL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("etcd /readyz: %s", resp.Status)
	}

	got, err := Get(ctx, name)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("Get = %+v, Up returned %+v", got, c)
	}

	progress.Reset()
	if _, err := Up(ctx, Config{Name: name, Components: []string{Etcd}, Progress: &progress}); err != nil {
		t.Fatalf("second Up: %v", err)
	}
	if progress.String() != fmt.Sprintf("cluster %q is already up\n", name) {
		t.Errorf("second Up printed %q", progress.String())
	}
	expectEtcdKeepsDataAcrossARestart(ctx, t, name, c.EtcdURL)

	if err := Down(ctx, name, nil); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if _, err := Get(ctx, name); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Down: %v, want ErrNotFound", err)
	}
	o, err := listOwned(ctx, docker, name)
	if err != nil {
		t.Fatal(err)
	}
	if !o.empty() {
		t.Errorf("left behind: %+v", o)
	}
	progress.Reset()
	if err := Down(ctx, name, &progress); err != nil {
		t.Fatalf("second Down: %v", err)
	}
	if progress.String() != fmt.Sprintf("no cluster named %q; nothing to remove\n", name) {
		t.Errorf("second Down printed %q", progress.String())
	}
}

// TestUpGetDownNetworkOnly brings up stage 1's cluster: no control plane,
// just the network, which Get reports as a healthy cluster.
func TestUpGetDownNetworkOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("creates a Docker network")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	docker, err := Docker(ctx)
	if err != nil {
		t.Skip(err)
	}
	defer docker.Close()
	// No image is needed: nothing runs but the network.
	name := fmt.Sprintf("unit-net-%d", time.Now().UnixNano()%1_000_000)
	t.Cleanup(func() { _ = Down(context.Background(), name, nil) })

	c, err := Up(ctx, Config{Name: name, Components: NoComponents})
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	if c.EtcdURL != "" || c.APIServerURL != "" || c.Network != "ownkube-"+name || c.Subnet == "" {
		t.Errorf("cluster = %+v, want a network and nothing else", c)
	}
	got, err := Get(ctx, name)
	if err != nil {
		t.Fatalf("Get of a cluster with no control plane: %v", err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("Get = %+v, Up returned %+v", got, c)
	}
	if err := Down(ctx, name, nil); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if _, err := Get(ctx, name); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Down: %v, want ErrNotFound", err)
	}
}

// expectEtcdKeepsDataAcrossARestart writes a key, restarts etcd's container
// and reads the key back: etcd's data is on the cluster's volume, not a
// tmpfs that a restart empties.
func expectEtcdKeepsDataAcrossARestart(ctx context.Context, t *testing.T, name, url string) {
	t.Helper()
	put, err := clientv3.New(clientv3.Config{Endpoints: []string{url}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer put.Close()
	if _, err := put.Put(ctx, "/survives", "yes"); err != nil {
		t.Fatalf("put: %v", err)
	}
	docker, err := Docker(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer docker.Close()
	if err := docker.ContainerRestart(ctx, containerName(name, Etcd), container.StopOptions{}); err != nil {
		t.Fatalf("restart etcd: %v", err)
	}
	// Up fixed etcd's host port, so its URL outlives the restart.
	c, err := Get(ctx, name)
	if err != nil {
		t.Fatalf("Get after the restart: %v", err)
	}
	if c.EtcdURL != url {
		t.Errorf("etcd's URL moved from %s to %s on a restart of its container", url, c.EtcdURL)
	}
	get, err := clientv3.New(clientv3.Config{Endpoints: []string{c.EtcdURL}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer get.Close()
	var resp *clientv3.GetResponse
	for range 50 { // bounded: etcd answers within a few seconds of its start
		if resp, err = get.Get(ctx, "/survives"); err == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "yes" {
		t.Fatalf("after a restart of etcd's container the key is %v (err %v), want it kept", resp, err)
	}
}

// TestClusterNamesAreThoseOfLabelledThingsOnly makes a network with the
// cluster label and one without: down --all would remove the first's
// cluster and never touch the second. (It never calls DownAll itself,
// which would take down a cluster the developer has up.)
func TestClusterNamesAreThoseOfLabelledThingsOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("creates networks")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	docker, err := Docker(ctx)
	if err != nil {
		t.Skip(err)
	}
	defer docker.Close()
	name := fmt.Sprintf("unit-names-%d", time.Now().UnixNano()%1_000_000)
	owned, err := docker.NetworkCreate(ctx, "ownkube-"+name, network.CreateOptions{Labels: Labels(name, "network")})
	if err != nil {
		t.Fatalf("create a labelled network: %v", err)
	}
	t.Cleanup(func() { _ = docker.NetworkRemove(context.Background(), owned.ID) })
	stranger, err := docker.NetworkCreate(ctx, "not-ownkube-"+name, network.CreateOptions{Labels: map[string]string{"other.io/cluster": name + "-x"}})
	if err != nil {
		t.Fatalf("create an unlabelled network: %v", err)
	}
	t.Cleanup(func() { _ = docker.NetworkRemove(context.Background(), stranger.ID) })

	names, err := clusterNames(ctx, docker)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, name) || slices.Contains(names, name+"-x") {
		t.Fatalf("clusterNames = %v: want %q among them and not %q", names, name, name+"-x")
	}
	if err := Down(ctx, name, nil); err != nil {
		t.Fatalf("Down: %v", err)
	}
	if _, err := docker.NetworkInspect(ctx, stranger.ID, network.InspectOptions{}); err != nil {
		t.Fatalf("the unlabelled network should be left alone: %v", err)
	}
	if names, _ := clusterNames(ctx, docker); slices.Contains(names, name) {
		t.Fatalf("cluster %q still listed after Down: %v", name, names)
	}
}
