package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
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
