package coupled

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/etcd/etcdtest"
)

const manifest = `
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: ownkube/echo
`

func TestReadPodChecksTheManifestBeforeAnythingChanges(t *testing.T) {
	pod, err := ReadPod([]byte(manifest), "web.yaml", "team", false)
	if err != nil {
		t.Fatal(err)
	}
	if pod.Namespace != "team" || pod.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Fatalf("namespace %q, restart policy %q: want the -n namespace and the API's defaults", pod.Namespace, pod.Spec.RestartPolicy)
	}
	for _, tc := range []struct{ name, data, want string }{
		{"not YAML", "metadata: [", "is not a pod manifest"},
		{"another kind", "kind: Service\nmetadata: {name: web}\n", "holds a Service"},
		{"no name", "kind: Pod\nspec: {}\n", "has no metadata.name"},
		{"no containers", "kind: Pod\nmetadata: {name: web}\n", "is invalid: spec.containers: Required value"},
		{"a namespace other than -n's", "kind: Pod\nmetadata: {name: web, namespace: a}\n", "drop one of them"},
	} {
		_, err := ReadPod([]byte(tc.data), "f.yaml", "b", true)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

func TestParseLabelArgsSetsAndRemovesAsKubectlLabelDoes(t *testing.T) {
	set, remove, err := ParseLabelArgs([]string{"tier=front", "app.kubernetes.io/name=web", "old-"})
	if err != nil {
		t.Fatal(err)
	}
	if len(set) != 2 || set["tier"] != "front" || len(remove) != 1 || remove[0] != "old" {
		t.Fatalf("set %v, remove %v", set, remove)
	}
	for _, bad := range [][]string{nil, {"tier"}, {"-x=1"}, {"k=not valid"}} {
		if _, _, err := ParseLabelArgs(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"tier": "back", "old": "x"}}}
	if err := applyLabels(p, set, remove, false); err == nil {
		t.Fatal("changing tier without --overwrite: no error")
	}
	if err := applyLabels(p, set, remove, true); err != nil || p.Labels["tier"] != "front" || p.Labels["old"] != "" {
		t.Fatalf("with --overwrite: %v, labels %v", err, p.Labels)
	}
}

func TestPodsPrintAsKubectlTableLines(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	pod := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", CreationTimestamp: metav1.Time{Time: now.Add(-90 * time.Second)}},
		Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "app"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Ready: true,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}}
	var out bytes.Buffer
	if err := printPods(&out, []corev1.Pod{pod}, now); err != nil {
		t.Fatal(err)
	}
	want := "NAME   NODE   STATUS    RESTARTS   AGE\nweb    n1     Running   0          90s\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// openTestRecords returns Records over an embedded etcd.
func openTestRecords(t *testing.T) (*Records, *clientv3.Client) {
	t.Helper()
	srv := etcdtest.Start(t)
	r, err := OpenRecords(context.Background(), srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r, srv.Client
}

func TestRecordsLiveUnderOwnkubeNeverRegistry(t *testing.T) {
	r, etcd := openTestRecords(t)
	ctx := context.Background()
	pod, err := ReadPod([]byte(manifest), "web.yaml", "default", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.CreatePod(ctx, pod); err != nil {
		t.Fatal(err)
	}
	if _, err := r.CreatePod(ctx, pod); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("a second create of the name: %v, want AlreadyExists", err)
	}
	if _, err := r.CreateNode(ctx, nodeRecord("n1", time.Now())); err != nil {
		t.Fatal(err)
	}
	all, err := etcd.Get(ctx, "/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range all.Kvs {
		keys = append(keys, string(kv.Key))
	}
	if want := "[/ownkube/nodes/n1 /ownkube/pods/default/web]"; fmt.Sprint(keys) != want {
		t.Fatalf("keys %v, want %s", keys, want)
	}
}

// Concurrent read-modify-writes of one record must keep every change: a
// stale write fails its compare-and-swap and is made again on the newer
// record. A store that overwrote blindly would lose labels here.
func TestConcurrentLabelUpdatesKeepEveryLabel(t *testing.T) {
	r, _ := openTestRecords(t)
	ctx := context.Background()
	pod, err := ReadPod([]byte(manifest), "web.yaml", "default", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.CreatePod(ctx, pod); err != nil {
		t.Fatal(err)
	}
	const writers = 10
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			_, err := r.UpdatePod(ctx, "default", "web", func(p *corev1.Pod) error {
				return applyLabels(p, map[string]string{fmt.Sprintf("k%d", i): "v"}, nil, false)
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.GetPod(ctx, "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Labels) != writers {
		t.Fatalf("%d labels kept of %d written concurrently: %v", len(got.Labels), writers, got.Labels)
	}
}
