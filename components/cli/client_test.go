package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
	"github.com/ownkube/ownkube/components/cli"
	"github.com/ownkube/ownkube/components/kubeconfig"
)

// testCluster is an in-process API server and a kubeconfig for it, for
// running the client commands as a user would.
type testCluster struct {
	t          *testing.T
	srv        *apiservertest.Server
	kubeconfig string
}

func startCluster(t *testing.T) *testCluster {
	t.Helper()
	srv := apiservertest.Start(t, apiservertest.Options{})
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := kubeconfig.Write(path, kubeconfig.New("test", srv.URL, nil)); err != nil {
		t.Fatal(err)
	}
	return &testCluster{t: t, srv: srv, kubeconfig: path}
}

// run runs `ownkube args... --kubeconfig <the test's>` and returns what it
// printed.
func (c *testCluster) run(args ...string) (stdout, stderr string, err error) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut syncBuffer
	err = c.runContext(ctx, "", &out, &errOut, args...)
	return out.String(), errOut.String(), err
}

// mustRun is run that fails the test on an error.
func (c *testCluster) mustRun(args ...string) string {
	c.t.Helper()
	out, stderr, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("ownkube %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return out
}

func (c *testCluster) runContext(ctx context.Context, stdin string, out, errOut *syncBuffer, args ...string) error {
	root := cli.NewRoot()
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(out)
	root.SetErr(errOut)
	root.SetArgs(append(args, "--kubeconfig", c.kubeconfig))
	return root.ExecuteContext(ctx)
}

// file writes a manifest into the test's directory and returns its path.
func (c *testCluster) file(name, text string) string {
	c.t.Helper()
	path := filepath.Join(c.t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return path
}

// syncBuffer is a buffer a command writes while the test reads it, and
// that says when it grew.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{}, 1)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return n, err
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until the buffer holds want.
func (b *syncBuffer) waitFor(t *testing.T, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for !strings.Contains(b.String(), want) {
		select {
		case <-b.changed:
		case <-deadline:
			t.Fatalf("output never showed %q within %s; got:\n%s", want, timeout, b.String())
		}
	}
}

// fields splits output into lines of whitespace-separated fields, so that
// tests of content do not depend on column widths.
func fields(out string) [][]string {
	var lines [][]string
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		lines = append(lines, strings.Fields(line))
	}
	return lines
}

const podYAML = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  containers:
  - name: web
    image: ownkube/echo:1
`

const deploymentYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: ownkube/echo:1
`

func TestMissingKubeconfig(t *testing.T) {
	root := cli.NewRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	missing := filepath.Join(t.TempDir(), "kubeconfig")
	root.SetArgs([]string{"get", "pods", "--kubeconfig", missing})
	err := root.Execute()
	want := `no kubeconfig at ` + missing + `: is the cluster up? run "ownkube up" (or make up) first`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}
