package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ownkube/ownkube/components/cli"
)

// runCoupled runs the CLI with args and no Docker or etcd behind it: what
// these tests check must fail before either is reached.
func runCoupled(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := cli.NewRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestPodCreateNeedsAManifestAndANode(t *testing.T) {
	if _, err := runCoupled(t, "pod", "create", "-f", "web.yaml"); err == nil || !strings.Contains(err.Error(), `"node" not set`) {
		t.Fatalf("pod create without --node: %v, want it to ask for --node", err)
	}
	if _, err := runCoupled(t, "pod", "create", "--node", "n1"); err == nil || !strings.Contains(err.Error(), `"filename" not set`) {
		t.Fatalf("pod create without -f: %v, want it to ask for -f", err)
	}
}

// A bad manifest is refused before any node or etcd is asked: a bad run
// changes nothing.
func TestPodCreateRefusesABadManifestBeforeTouchingAnything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(path, []byte("kind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: app}]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := runCoupled(t, "pod", "create", "-f", path, "--node", "n1", "--cluster", "no-such-cluster", "--etcd", "http://127.0.0.1:1")
	if err == nil || !strings.Contains(err.Error(), "spec.containers[0].image: Required value") {
		t.Fatalf("a pod whose container has no image: %v, want the manifest's problem", err)
	}
	if _, err := runCoupled(t, "pod", "create", "-f", filepath.Join(t.TempDir(), "none.yaml"), "--node", "n1"); err == nil ||
		!strings.Contains(err.Error(), "read the pod's manifest") {
		t.Fatalf("a manifest that is not there: %v", err)
	}
}

func TestKubeletPushSourceRefusesAnAPIServer(t *testing.T) {
	_, err := runCoupled(t, "kubelet", "--pod-source", "push", "--cluster", "c", "--master", "http://127.0.0.1:1")
	if err == nil || !strings.Contains(err.Error(), "drop --kubeconfig and --master") {
		t.Fatalf("push kubelet given a master: %v", err)
	}
	_, err = runCoupled(t, "kubelet", "--pod-source", "carrier-pigeon", "--cluster", "c")
	if err == nil || !strings.Contains(err.Error(), "choose api or push") {
		t.Fatalf("unknown pod source: %v", err)
	}
}
