package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ownkube/ownkube/components/scheduler/snapshot"
)

func TestPerSecond(t *testing.T) {
	if got := perSecond(10000, 8*time.Second); got != 1250 {
		t.Errorf("10000 over 8s = %v/s, want 1250", got)
	}
	if got := perSecond(1, 0); got != 0 {
		t.Errorf("1 over no time = %v/s, want 0: it cannot be told", got)
	}
}

// boundOf makes the figures of a scheduler run that bound bound of pods over span.
func boundOf(bound, pods int, span time.Duration) *schedulerFigures {
	return &schedulerFigures{cfg: schedulerConfig{Nodes: 1000, Pods: pods, Timeout: 5 * time.Minute}, bound: bound, bindSpan: span}
}

func TestSchedulerVerdict(t *testing.T) {
	tests := []struct {
		name string
		f    *schedulerFigures
		want string
	}{
		{"fast enough", boundOf(10000, 10000, 8*time.Second),
			"scheduler throughput: 1250 pods/s (first bind → last bind over 10000 pods, 1000 nodes) — target ≥ 1000 pods/s: met"},
		{"too slow", boundOf(10000, 10000, 20*time.Second),
			"scheduler throughput: 500 pods/s (first bind → last bind over 10000 pods, 1000 nodes) — target ≥ 1000 pods/s: NOT met"},
		{"fast but incomplete", boundOf(9000, 10000, 3*time.Second),
			"scheduler throughput: 3000 pods/s (first bind → last bind over 9000 of 10000 pods, 1000 nodes) — target ≥ 1000 pods/s: NOT met (the rest not bound within 5m0s)"},
		{"one bound", boundOf(1, 10000, 0),
			"scheduler throughput: 1 of 10000 pods bound — target ≥ 1000 pods/s: NOT met (the rest not bound within 5m0s)"},
		{"not run", nil, "scheduler throughput: not measured in this run — target ≥ 1000 pods/s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.verdict(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSchedulerPrintsItsFloorsBeside(t *testing.T) {
	f := boundOf(10000, 10000, 8*time.Second)
	f.requests = newRequestTimes(bindOrStatus)
	f.etcd = txnFloor{clients: 32, valueSize: 710, txns: 50000, took: 5 * time.Second}
	f.core = coreFloor{nodes: 1000, decisions: 10000, took: 500 * time.Millisecond}
	var b strings.Builder
	f.print(&b, true)
	want := "scheduler throughput: 1250 pods/s (first bind → last bind over 10000 pods, 1000 nodes) — target ≥ 1000 pods/s: met\n" +
		"etcd txn floor: 10000 txn/s (compare-and-put of new keys, a stored pod's JSON of 710 bytes; 32 concurrent clients for 5s; 0 failed)\n" +
		"scheduler core: 20000 decisions/s (10000 decisions over 1000 nodes, each pod then counted on its node; no I/O)\n"
	if !strings.HasSuffix(b.String(), want) {
		t.Errorf("got\n%s\nwant it to end with\n%s", b.String(), want)
	}
}

func simulatedNode(name string) corev1.Node {
	capacity := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"),
		corev1.ResourceMemory: resource.MustParse("1Gi"), corev1.ResourcePods: resource.MustParse("110")}
	return corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity,
		Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
}

func corePods(n int) []*corev1.Pod {
	pods := make([]*corev1.Pod, n)
	for i := range pods {
		pods[i] = schedulerPod(i, "ownkube/echo:latest")
		pods[i].UID = types.UID(pods[i].Name)
	}
	return pods
}

// roundRobin is a stand-in for the algorithm: the next node, in turn.
func roundRobin() func(*corev1.Pod, *snapshot.Snapshot) (string, error) {
	var next int
	return func(_ *corev1.Pod, snap *snapshot.Snapshot) (string, error) {
		n := snap.Nodes[next%len(snap.Nodes)]
		next++
		return n.Name(), nil
	}
}

func TestDecideCountsEachPodOnItsNode(t *testing.T) {
	nodes := []corev1.Node{simulatedNode("a"), simulatedNode("b"), simulatedNode("c")}
	var snap *snapshot.Snapshot
	pick := roundRobin()
	spy := func(pod *corev1.Pod, s *snapshot.Snapshot) (string, error) {
		snap = s
		return pick(pod, s)
	}
	f, err := decide(nodes, corePods(7), spy, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if f.decisions != 7 || f.nodes != 3 || f.took <= 0 {
		t.Errorf("got %+v, want 7 decisions over 3 nodes", f)
	}
	var got []string
	for _, n := range snap.Nodes {
		got = append(got, fmt.Sprintf("%s=%d/%dm", n.Name(), n.NumPods(), n.Requested.MilliCPU))
	}
	if want := "a=3/30m b=2/20m c=2/20m"; strings.Join(got, " ") != want {
		t.Errorf("pods counted on the nodes: %s, want %s", strings.Join(got, " "), want)
	}
}

func TestDecideStopsAtTheFirstFailure(t *testing.T) {
	nodes := []corev1.Node{simulatedNode("a")}
	calls := 0
	failing := func(*corev1.Pod, *snapshot.Snapshot) (string, error) {
		if calls++; calls == 3 {
			return "", errors.New("0/1 nodes are available")
		}
		return "a", nil
	}
	f, err := decide(nodes, corePods(5), failing, time.Minute)
	if err == nil || f.decisions != 2 {
		t.Errorf("got %d decisions, err %v; want 2 and the third pod's error", f.decisions, err)
	}
	unknown := func(*corev1.Pod, *snapshot.Snapshot) (string, error) { return "elsewhere", nil }
	if _, err := decide(nodes, corePods(1), unknown, time.Minute); err == nil {
		t.Error("a node that is not in the snapshot was accepted")
	}
	if f, _ := decide(nodes, corePods(5), roundRobin(), 0); f.decisions != 0 {
		t.Errorf("no time: %d decisions, want none", f.decisions)
	}
}

func TestRequestTimesRecordsBindingsAndStatuses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	times := newRequestTimes(bindOrStatus)
	c := &http.Client{Transport: times.wrap(http.DefaultTransport)}
	for _, r := range []struct{ method, path string }{
		{http.MethodPost, "/api/v1/namespaces/ns/pods/p/binding"},
		{http.MethodPost, "/api/v1/namespaces/ns/pods/q/binding"},
		{http.MethodPatch, "/api/v1/namespaces/ns/pods/p/status"},
		{http.MethodGet, "/api/v1/namespaces/ns/pods/p"},
	} {
		req, _ := http.NewRequest(r.method, srv.URL+r.path, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if s := times.stats("bind"); s.Count != 2 || s.peak != 1 || s.Max <= 0 {
		t.Errorf("bindings: %+v, want 2, one at a time", s)
	}
	if s := times.stats("status"); s.Count != 1 {
		t.Errorf("status patches: %+v, want 1", s)
	}
	if s := times.stats(""); s.Count != 0 {
		t.Errorf("other requests recorded: %+v", s)
	}
	if got := (requestStats{}).String(); got != "none" {
		t.Errorf("no request prints %q, want none", got)
	}
}
