package scheduler_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/ownkube/ownkube/components/scheduler/snapshot"
	"github.com/ownkube/ownkube/solutions/scheduler"
)

// reasonsOf runs Filter and returns the reasons it refused the node for:
// none when the node fits.
func reasonsOf(t *testing.T, p *corev1.Pod, n *snapshot.NodeInfo) []string {
	t.Helper()
	err := scheduler.Filter(snapshot.NewPodInfo(p), n)
	if err == nil {
		return nil
	}
	unfit, ok := errors.AsType[*snapshot.Unfit](err)
	if !ok {
		t.Fatalf("Filter: %v; want nil or an *Unfit", err)
	}
	if len(unfit.Reasons) == 0 {
		t.Fatalf("Filter refused the node without a reason")
	}
	return unfit.Reasons
}

func TestFilterRefusesANodeInKubesWords(t *testing.T) {
	big := node("n", "4", "8Gi", 110)
	for _, tc := range []struct {
		name string
		pod  *corev1.Pod
		node *snapshot.NodeInfo
		want []string
	}{
		{"a pod that fits", pod("p", "1", "1Gi"), info(big), nil},
		{"a pod that requests nothing", pod("p", "", ""), info(node("n", "0", "0", 1)), nil},
		{"a node that is not ready", pod("p", "1", "1Gi"), info(node("n", "4", "8Gi", 110, notReady)),
			[]string{snapshot.ReasonNotReady}},
		{"a node with no Ready condition", pod("p", "1", "1Gi"), info(node("n", "4", "8Gi", 110, func(n *corev1.Node) { n.Status.Conditions = nil })),
			[]string{snapshot.ReasonNotReady}},
		{"a cordoned node", pod("p", "", ""), info(node("n", "4", "8Gi", 110, cordoned)),
			[]string{snapshot.ReasonUnschedulable}},
		{"a cordoned node, tolerated as a DaemonSet pod does",
			pod("p", "", "", tolerating(corev1.Toleration{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})),
			info(node("n", "4", "8Gi", 110, cordoned)), nil},
		{"a nodeSelector the node's labels lack", pod("p", "", "", selecting("disk", "ssd")), info(big),
			[]string{snapshot.ReasonNodeSelector}},
		{"a nodeSelector whose value differs", pod("p", "", "", selecting("disk", "ssd")), info(node("n", "4", "8Gi", 110, labelled("disk", "hdd"))),
			[]string{snapshot.ReasonNodeSelector}},
		{"a nodeSelector the node matches", pod("p", "", "", selecting("disk", "ssd"), selecting("kubernetes.io/hostname", "n")),
			info(node("n", "4", "8Gi", 110, labelled("disk", "ssd"))), nil},
		{"too little cpu", pod("p", "3", "1Gi"), info(big, pod("a", "2", "1Gi")),
			[]string{snapshot.ReasonInsufficientCPU}},
		{"too little memory", pod("p", "1", "5Gi"), info(big, pod("a", "1", "4Gi")),
			[]string{snapshot.ReasonInsufficientMemory}},
		{"too little of both", pod("p", "5", "9Gi"), info(big),
			[]string{snapshot.ReasonInsufficientCPU, snapshot.ReasonInsufficientMemory}},
		{"exactly the room left", pod("p", "2", "4Gi"), info(big, pod("a", "2", "4Gi")), nil},
		{"an init container larger than the app", pod("p", "1", "1Gi", initContainer("5", "")), info(big),
			[]string{snapshot.ReasonInsufficientCPU}},
		{"init containers run one at a time", pod("p", "1", "1Gi", initContainer("3", ""), initContainer("3", "")), info(big), nil},
		{"no room for one more pod", pod("p", "", ""), info(node("n", "4", "8Gi", 1), pod("a", "", "")),
			[]string{snapshot.ReasonTooManyPods}},
		{"a node that allows no pods", pod("p", "", ""), info(node("n", "4", "8Gi", 0)),
			[]string{snapshot.ReasonTooManyPods}},
		{"a pod that requests nothing on a full node", pod("p", "", ""), info(node("n", "1", "1Gi", 110), pod("a", "1", "1Gi")), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := reasonsOf(t, tc.pod, tc.node); !slices.Equal(got, tc.want) {
				t.Fatalf("reasons %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFilterHonoursTaintsAndTolerations(t *testing.T) {
	noSchedule := node("n", "4", "8Gi", 110, tainted("dedicated", "gpu", corev1.TaintEffectNoSchedule))
	untolerated := []string{"node(s) had untolerated taint {dedicated: gpu}"}
	for _, tc := range []struct {
		name string
		node *corev1.Node
		tol  []corev1.Toleration
		want []string
	}{
		{"no toleration", noSchedule, nil, untolerated},
		{"Equal with key and value", noSchedule,
			[]corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}, nil},
		{"an empty operator means Equal", noSchedule, []corev1.Toleration{{Key: "dedicated", Value: "gpu"}}, nil},
		{"Equal with another value", noSchedule,
			[]corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "cpu"}}, untolerated},
		{"Exists with the key", noSchedule, []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}, nil},
		{"Exists with another key", noSchedule, []corev1.Toleration{{Key: "other", Operator: corev1.TolerationOpExists}}, untolerated},
		{"Exists with no key tolerates everything", noSchedule, []corev1.Toleration{{Operator: corev1.TolerationOpExists}}, nil},
		{"another effect", noSchedule,
			[]corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}, untolerated},
		{"NoExecute refuses too", node("n", "4", "8Gi", 110, tainted("evict", "now", corev1.TaintEffectNoExecute)), nil,
			[]string{"node(s) had untolerated taint {evict: now}"}},
		{"PreferNoSchedule never refuses", node("n", "4", "8Gi", 110, tainted("prefer", "not", corev1.TaintEffectPreferNoSchedule)), nil, nil},
		{"the first untolerated taint is named",
			node("n", "4", "8Gi", 110, tainted("a", "1", corev1.TaintEffectNoSchedule), tainted("b", "2", corev1.TaintEffectNoSchedule)),
			[]corev1.Toleration{{Key: "a", Operator: corev1.TolerationOpExists}}, []string{"node(s) had untolerated taint {b: 2}"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := pod("p", "", "")
			p.Spec.Tolerations = tc.tol
			if got := reasonsOf(t, p, info(tc.node)); !slices.Equal(got, tc.want) {
				t.Fatalf("reasons %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFilterRefusesHostPortsInUse(t *testing.T) {
	for _, tc := range []struct {
		name      string
		used, req func(*corev1.Pod)
		conflicts bool
	}{
		{"the same port on every address", hostPort("", corev1.ProtocolTCP, 80), hostPort("", corev1.ProtocolTCP, 80), true},
		{"\"\" and 0.0.0.0 are the same", hostPort("0.0.0.0", corev1.ProtocolTCP, 80), hostPort("", corev1.ProtocolTCP, 80), true},
		{"every address covers one", hostPort("", corev1.ProtocolTCP, 80), hostPort("10.0.0.1", corev1.ProtocolTCP, 80), true},
		{"one address is covered by every", hostPort("10.0.0.1", corev1.ProtocolTCP, 80), hostPort("0.0.0.0", corev1.ProtocolTCP, 80), true},
		{"the same address", hostPort("10.0.0.1", corev1.ProtocolTCP, 80), hostPort("10.0.0.1", corev1.ProtocolTCP, 80), true},
		{"an empty protocol is TCP", hostPort("", "", 80), hostPort("", corev1.ProtocolTCP, 80), true},
		{"two addresses", hostPort("10.0.0.1", corev1.ProtocolTCP, 80), hostPort("10.0.0.2", corev1.ProtocolTCP, 80), false},
		{"two protocols", hostPort("", corev1.ProtocolTCP, 53), hostPort("", corev1.ProtocolUDP, 53), false},
		{"two ports", hostPort("", corev1.ProtocolTCP, 80), hostPort("", corev1.ProtocolTCP, 81), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := info(node("n", "4", "8Gi", 110), pod("bound", "", "", tc.used))
			var want []string
			if tc.conflicts {
				want = []string{snapshot.ReasonHostPorts}
			}
			if got := reasonsOf(t, pod("p", "", "", tc.req), n); !slices.Equal(got, want) {
				t.Fatalf("reasons %q, want %q", got, want)
			}
		})
	}
}

func TestFilterStopsAtTheFirstCheckThatRefuses(t *testing.T) {
	n := info(node("n", "1", "1Gi", 110, notReady, cordoned, labelled("disk", "hdd")))
	got := reasonsOf(t, pod("p", "2", "2Gi", selecting("disk", "ssd")), n)
	if want := []string{snapshot.ReasonNotReady}; !slices.Equal(got, want) {
		t.Fatalf("reasons %q, want %q: a node counts for the first check that refuses it", got, want)
	}
}

// mustNotFit schedules p and returns the *FitError it must fail with.
func mustNotFit(t *testing.T, p *corev1.Pod, snap *snapshot.Snapshot) *snapshot.FitError {
	t.Helper()
	name, err := scheduler.Schedule(p, snap)
	fitErr, ok := errors.AsType[*snapshot.FitError](err)
	if !ok {
		t.Fatalf("Schedule = %q, %v; want a *FitError", name, err)
	}
	return fitErr
}

func TestScheduleSaysWhyNoNodeFitsAsKubeDoes(t *testing.T) {
	snap := snapshotOf(
		info(node("a", "1", "4Gi", 110, labelled("disk", "ssd"))),
		info(node("b", "4", "4Gi", 110)),
		info(node("c", "4", "4Gi", 110)),
	)
	fitErr := mustNotFit(t, pod("p", "2", "1Gi", selecting("disk", "ssd")), snap)
	const want = "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector."
	if fitErr.Error() != want || fitErr.NumNodes != 3 {
		t.Fatalf("message %q over %d nodes,\nwant %q over 3", fitErr.Error(), fitErr.NumNodes, want)
	}
	wantReasons := map[string]int{snapshot.ReasonInsufficientCPU: 1, snapshot.ReasonNodeSelector: 2}
	if fmt.Sprint(fitErr.Reasons) != fmt.Sprint(wantReasons) {
		t.Fatalf("reasons %v, want %v", fitErr.Reasons, wantReasons)
	}
}

func TestScheduleCountsEveryReasonOfEveryNode(t *testing.T) {
	snap := snapshotOf(
		info(node("a", "1", "1Gi", 110)),
		info(node("b", "1", "1Gi", 110)),
		info(node("c", "8", "1Gi", 1), pod("x", "", "")),
		info(node("d", "8", "8Gi", 110, notReady)),
		info(node("e", "8", "8Gi", 110, tainted("k", "v", corev1.TaintEffectNoSchedule))),
	)
	fitErr := mustNotFit(t, pod("p", "2", "2Gi"), snap)
	// Nodes a, b and c each refuse for two reasons, and each reason counts;
	// kube sorts the "count reason" strings as strings.
	const want = "0/5 nodes are available: 1 Too many pods, 1 node(s) had untolerated taint {k: v}, " +
		"1 node(s) were not ready, 2 Insufficient cpu, 3 Insufficient memory."
	if got := fitErr.Error(); got != want {
		t.Fatalf("message\n%q, want\n%q", got, want)
	}
}

func TestScheduleWithNoNodesSaysSo(t *testing.T) {
	if got := mustNotFit(t, pod("p", "", ""), snapshotOf()).Error(); got != snapshot.NoNodesMessage {
		t.Fatalf("message %q, want %q", got, snapshot.NoNodesMessage)
	}
}

func TestSchedulePlacesAPodOnTheOnlyNodeThatFits(t *testing.T) {
	snap := snapshotOf(
		info(node("a", "4", "8Gi", 110), pod("x", "3", "1Gi")),
		info(node("b", "4", "8Gi", 110, labelled("disk", "ssd"))),
		info(node("c", "4", "8Gi", 110, tainted("dedicated", "gpu", corev1.TaintEffectNoSchedule))),
	)
	for _, tc := range []struct {
		pod  *corev1.Pod
		want string
	}{
		{pod("selects-b", "1", "1Gi", selecting("disk", "ssd")), "b"},
		{pod("tolerates-c", "1", "1Gi", selecting("kubernetes.io/hostname", "c"),
			tolerating(corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "gpu"})), "c"},
		{pod("needs-2-cpus", "2", "1Gi", tolerating(corev1.Toleration{Operator: corev1.TolerationOpExists}), selecting("kubernetes.io/hostname", "a")), ""},
	} {
		got, err := scheduler.Schedule(tc.pod, snap)
		if tc.want == "" {
			if _, ok := errors.AsType[*snapshot.FitError](err); !ok {
				t.Errorf("%s: Schedule = %q, %v; want a *FitError", tc.pod.Name, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: Schedule = %q, %v; want %q", tc.pod.Name, got, err, tc.want)
		}
	}
}

func TestSchedulePrefersTheLeastAllocatedNode(t *testing.T) {
	snap := snapshotOf(
		info(node("a", "4", "8Gi", 110), pod("x", "3", "1Gi")),
		info(node("b", "4", "8Gi", 110), pod("y", "1", "6Gi")),
		info(node("c", "4", "8Gi", 110), pod("z", "1", "1Gi")),
	)
	if got, err := scheduler.Schedule(pod("p", "500m", "512Mi"), snap); err != nil || got != "c" {
		t.Fatalf("Schedule = %q, %v; want c, the emptiest node", got, err)
	}
}

func TestScoreIsLeastAllocatedPlusSpread(t *testing.T) {
	// After the pod (1 cpu, 1Gi): a has 3 of 4 cpus and 6 of 8Gi used,
	// 25% and 25% free → 25; b has 1 of 4 cpus and 2 of 8Gi used, 75% and
	// 75% free → 75. The pod's owner has 2 pods on a and none on b.
	a := info(node("a", "4", "8Gi", 110), pod("x", "1", "4Gi", ownedBy("rs")), pod("y", "1", "1Gi", ownedBy("rs")))
	b := info(node("b", "4", "8Gi", 110), pod("z", "", "1Gi"))
	scores, err := scheduler.Score(snapshot.NewPodInfo(pod("p", "1", "1Gi", ownedBy("rs"))), []*snapshot.NodeInfo{a, b})
	if err != nil {
		t.Fatalf("Score: %v", err)
	}
	// z requests no cpu: it counts as 100m when scoring, so b is 1.1 of 4
	// cpus used (72% free) and 2 of 8Gi (75% free) → 73.
	want := []snapshot.NodeScore{
		{Name: "a", Score: snapshot.LeastAllocatedWeight*25 + snapshot.SpreadWeight*0},
		{Name: "b", Score: snapshot.LeastAllocatedWeight*73 + snapshot.SpreadWeight*snapshot.MaxScore},
	}
	if !slices.Equal(scores, want) {
		t.Fatalf("scores %v, want %v", scores, want)
	}
}

func TestScheduleSpreadsThePodsOfOneOwner(t *testing.T) {
	// Node a is emptier, but already runs two replicas of rs.
	snap := snapshotOf(
		info(node("a", "8", "16Gi", 110), pod("rs-1", "100m", "100Mi", ownedBy("rs")), pod("rs-2", "100m", "100Mi", ownedBy("rs"))),
		info(node("b", "4", "8Gi", 110), pod("other", "1", "1Gi", ownedBy("other"))),
	)
	if got, err := scheduler.Schedule(pod("rs-3", "100m", "100Mi", ownedBy("rs")), snap); err != nil || got != "b" {
		t.Fatalf("Schedule = %q, %v; want b, the node without a replica", got, err)
	}
	if got, err := scheduler.Schedule(pod("solo", "100m", "100Mi"), snap); err != nil || got != "a" {
		t.Fatalf("Schedule of a pod without owner = %q, %v; want a, the emptiest node", got, err)
	}
}

func TestSchedulePlacesReplicasOnDistinctNodesOneAtATime(t *testing.T) {
	nodes := []*snapshot.NodeInfo{info(node("a", "4", "8Gi", 110)), info(node("b", "4", "8Gi", 110)), info(node("c", "4", "8Gi", 110))}
	seen := map[string]bool{}
	for i := range 3 {
		p := pod(fmt.Sprintf("rs-%d", i), "", "", ownedBy("rs"))
		got, err := scheduler.Schedule(p, snapshotOf(nodes...))
		if err != nil {
			t.Fatalf("Schedule %s: %v", p.Name, err)
		}
		if seen[got] {
			t.Fatalf("replica %d placed on %s, which already runs one", i, got)
		}
		seen[got] = true
		for _, n := range nodes {
			if n.Name() == got {
				n.AddPod(snapshot.NewPodInfo(p))
			}
		}
	}
}

func TestPickTakesTheBestScoreAndBreaksTiesByName(t *testing.T) {
	for _, tc := range []struct {
		scores []snapshot.NodeScore
		want   string
	}{
		{[]snapshot.NodeScore{{Name: "a", Score: 10}, {Name: "b", Score: 30}, {Name: "c", Score: 20}}, "b"},
		{[]snapshot.NodeScore{{Name: "c", Score: 30}, {Name: "b", Score: 30}, {Name: "a", Score: 10}}, "b"},
		{[]snapshot.NodeScore{{Name: "only", Score: 0}}, "only"},
	} {
		if got, err := scheduler.Pick(tc.scores); err != nil || got != tc.want {
			t.Errorf("Pick(%v) = %q, %v; want %q", tc.scores, got, err, tc.want)
		}
	}
	if got, err := scheduler.Pick(nil); !errors.Is(err, snapshot.ErrNoNodes) {
		t.Errorf("Pick(nil) = %q, %v; want ErrNoNodes", got, err)
	}
}

func TestUnschedulableSortsAsKubeDoes(t *testing.T) {
	err := scheduler.Unschedulable(12, map[string]int{"b reason": 2, "a reason": 10})
	const want = "0/12 nodes are available: 10 a reason, 2 b reason."
	if _, ok := errors.AsType[*snapshot.FitError](err); !ok || err.Error() != want {
		t.Fatalf("Unschedulable = %v, want the *FitError %q", err, want)
	}
}
