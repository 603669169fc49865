package nodelifecycle

import (
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/controllers/nodelifecycle/nodestate"
)

var now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) time.Time { return now.Add(-d) }

func TestUnreachableComparesTheLastRenewalWithTheGracePeriod(t *testing.T) {
	const grace = 40 * time.Second
	tests := []struct {
		name        string
		nodes       []nodestate.Heartbeat
		unreachable []string
		recheck     time.Duration
	}{
		{"no nodes", nil, nil, 0},
		{"renewed just now", []nodestate.Heartbeat{{Node: "a", Renewed: now, Registered: ago(time.Hour)}}, nil, grace},
		{"silent for less than grace", []nodestate.Heartbeat{{Node: "a", Renewed: ago(30 * time.Second)}}, nil, 10 * time.Second},
		{"silent for exactly grace is still reachable", []nodestate.Heartbeat{{Node: "a", Renewed: ago(grace)}}, nil, time.Nanosecond},
		{"silent for longer than grace", []nodestate.Heartbeat{{Node: "a", Renewed: ago(grace + time.Millisecond), Registered: ago(time.Hour)}}, []string{"a"}, 0},
		{"never renewed: counts from registration", []nodestate.Heartbeat{{Node: "a", Registered: ago(10 * time.Second)}}, nil, 30 * time.Second},
		{"never renewed, registered long ago", []nodestate.Heartbeat{{Node: "a", Registered: ago(time.Minute)}}, []string{"a"}, 0},
		{"a renewal after registration wins", []nodestate.Heartbeat{{Node: "a", Renewed: ago(5 * time.Second), Registered: ago(time.Hour)}}, nil, 35 * time.Second},
		{"a renewal from the future counts as now", []nodestate.Heartbeat{{Node: "a", Renewed: now.Add(time.Hour)}}, nil, grace},
		{"several: names in order, recheck for the soonest", []nodestate.Heartbeat{
			{Node: "c", Renewed: ago(time.Minute)},
			{Node: "a", Renewed: ago(5 * time.Second)},
			{Node: "b", Renewed: ago(2 * time.Minute)},
			{Node: "d", Renewed: ago(25 * time.Second)},
		}, []string{"c", "b"}, 15 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, recheck := Unreachable(tt.nodes, now, grace)
			if !slices.Equal(got, tt.unreachable) {
				t.Errorf("unreachable = %v, want %v", got, tt.unreachable)
			}
			if recheck != tt.recheck {
				t.Errorf("recheck = %v, want %v", recheck, tt.recheck)
			}
		})
	}
}

func TestEvictionRateSlowsDownWhenMuchOfTheZoneIsDown(t *testing.T) {
	rates := nodestate.Rates{Primary: 0.1, Secondary: 0.01, UnhealthyThreshold: 0.55, LargeClusterSize: 50}
	tests := []struct {
		name            string
		ready, notReady int
		zone            nodestate.Zone
		rate            float64
	}{
		{"no nodes", 0, 0, nodestate.ZoneNormal, 0.1},
		{"all ready", 3, 0, nodestate.ZoneNormal, 0.1},
		{"one of two down", 1, 1, nodestate.ZoneNormal, 0.1},
		{"two of three down: not more than two", 1, 2, nodestate.ZoneNormal, 0.1},
		{"every node down", 0, 1, nodestate.ZoneFullDisruption, 0},
		{"every node of many down", 0, 100, nodestate.ZoneFullDisruption, 0},
		{"three of five down, small cluster", 2, 3, nodestate.ZonePartialDisruption, 0},
		{"below the threshold", 10, 5, nodestate.ZoneNormal, 0.1},
		{"at the threshold, large cluster", 45, 55, nodestate.ZonePartialDisruption, 0.01},
		{"above the threshold, exactly the large size", 20, 30, nodestate.ZonePartialDisruption, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zone, rate := EvictionRate(tt.ready, tt.notReady, rates)
			if zone != tt.zone || rate != tt.rate {
				t.Errorf("EvictionRate(%d ready, %d not) = %s, %v; want %s, %v", tt.ready, tt.notReady, zone, rate, tt.zone, tt.rate)
			}
		})
	}
}

func taint(key string, effect corev1.TaintEffect, added time.Time) corev1.Taint {
	t := corev1.Taint{Key: key, Effect: effect}
	if !added.IsZero() {
		t.TimeAdded = &metav1.Time{Time: added}
	}
	return t
}

func tolerate(key string, op corev1.TolerationOperator, effect corev1.TaintEffect, seconds *int64) corev1.Toleration {
	return corev1.Toleration{Key: key, Operator: op, Effect: effect, TolerationSeconds: seconds}
}

func TestEvictionsFollowTaintsTolerationsAndTheirSeconds(t *testing.T) {
	unreachable := corev1.TaintNodeUnreachable
	noExec, noSched := corev1.TaintEffectNoExecute, corev1.TaintEffectNoSchedule
	exists, equal := corev1.TolerationOpExists, corev1.TolerationOpEqual
	secs := func(s int64) *int64 { return ptr.To(s) }
	tests := []struct {
		name    string
		taints  []corev1.Taint
		pods    []nodestate.Pod
		evict   []string
		recheck time.Duration
	}{
		{"no taints", nil, []nodestate.Pod{{Key: "ns/a"}}, nil, 0},
		{"only NoSchedule taints evict nothing", []corev1.Taint{taint(unreachable, noSched, time.Time{})},
			[]nodestate.Pod{{Key: "ns/a"}}, nil, 0},
		{"an untolerated NoExecute taint evicts at once", []corev1.Taint{taint(unreachable, noExec, ago(time.Second))},
			[]nodestate.Pod{{Key: "ns/a"}}, []string{"ns/a"}, 0},
		{"a toleration for another taint does not help", []corev1.Taint{taint(unreachable, noExec, ago(time.Second))},
			[]nodestate.Pod{{Key: "ns/a", Tolerations: []corev1.Toleration{tolerate(corev1.TaintNodeNotReady, exists, noExec, nil)}}},
			[]string{"ns/a"}, 0},
		{"a toleration of another effect does not help", []corev1.Taint{taint(unreachable, noExec, ago(time.Second))},
			[]nodestate.Pod{{Key: "ns/a", Tolerations: []corev1.Toleration{tolerate(unreachable, exists, noSched, nil)}}},
			[]string{"ns/a"}, 0},
		{"tolerated for ever", []corev1.Taint{taint(unreachable, noExec, ago(time.Hour))},
			[]nodestate.Pod{{Key: "ns/a", Tolerations: []corev1.Toleration{tolerate(unreachable, exists, noExec, nil)}}}, nil, 0},
		{"an empty key with Exists tolerates every taint", []corev1.Taint{taint(unreachable, noExec, ago(time.Hour))},
			[]nodestate.Pod{{Key: "ns/a", Tolerations: []corev1.Toleration{tolerate("", exists, "", nil)}}}, nil, 0},
		{"Equal needs the value", []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: noExec}},
			[]nodestate.Pod{
				{Key: "ns/right", Tolerations: []corev1.Toleration{{Key: "dedicated", Operator: equal, Value: "gpu"}}},
				{Key: "ns/wrong", Tolerations: []corev1.Toleration{{Key: "dedicated", Operator: equal, Value: "cpu"}}},
				{Key: "ns/empty-op", Tolerations: []corev1.Toleration{{Key: "dedicated", Value: "gpu"}}},
			}, []string{"ns/wrong"}, 0},
		{"tolerationSeconds not yet over: look again when they are", []corev1.Taint{taint(unreachable, noExec, ago(2*time.Second))},
			[]nodestate.Pod{{Key: "ns/a", Tolerations: []corev1.Toleration{tolerate(unreachable, exists, noExec, secs(5))}}},
			nil, 3 * time.Second},
		{"tolerationSeconds over exactly now", []corev1.Taint{taint(unreachable, noExec, ago(5*time.Second))},
			[]nodestate.Pod{{Key: "ns/a", Tolerations: []corev1.Toleration{tolerate(unreachable, exists, noExec, secs(5))}}},
			[]string{"ns/a"}, 0},
		{"zero and negative seconds evict at once", []corev1.Taint{taint(unreachable, noExec, now)},
			[]nodestate.Pod{
				{Key: "ns/zero", Tolerations: []corev1.Toleration{tolerate(unreachable, exists, noExec, secs(0))}},
				{Key: "ns/negative", Tolerations: []corev1.Toleration{tolerate(unreachable, exists, noExec, secs(-1))}},
			}, []string{"ns/zero", "ns/negative"}, 0},
		{"a taint without timeAdded counts from now", []corev1.Taint{taint(unreachable, noExec, time.Time{})},
			[]nodestate.Pod{{Key: "ns/a", Tolerations: []corev1.Toleration{tolerate(unreachable, exists, noExec, secs(300))}}},
			nil, 300 * time.Second},
		{"the first tolerating toleration decides", []corev1.Taint{taint(unreachable, noExec, ago(time.Hour))},
			[]nodestate.Pod{
				{Key: "ns/forever-first", Tolerations: []corev1.Toleration{tolerate("", exists, "", nil), tolerate(unreachable, exists, noExec, secs(5))}},
				{Key: "ns/seconds-first", Tolerations: []corev1.Toleration{tolerate(unreachable, exists, noExec, secs(5)), tolerate("", exists, "", nil)}},
			}, []string{"ns/seconds-first"}, 0},
		{"two taints: every one must be tolerated", []corev1.Taint{taint(unreachable, noExec, ago(time.Second)), taint("dedicated", noExec, ago(time.Second))},
			[]nodestate.Pod{{Key: "ns/a", Tolerations: []corev1.Toleration{tolerate(unreachable, exists, noExec, nil)}}},
			[]string{"ns/a"}, 0},
		{"two taints: the earliest end counts", []corev1.Taint{taint(unreachable, noExec, ago(time.Second)), taint("dedicated", noExec, ago(10*time.Second))},
			[]nodestate.Pod{{Key: "ns/a", Tolerations: []corev1.Toleration{
				tolerate(unreachable, exists, noExec, secs(30)), tolerate("dedicated", exists, noExec, secs(20))}}},
			nil, 10 * time.Second},
		{"several pods: evict some, look again for the soonest other", []corev1.Taint{taint(unreachable, noExec, ago(10*time.Second))},
			[]nodestate.Pod{
				{Key: "ns/later", Tolerations: []corev1.Toleration{tolerate(unreachable, exists, noExec, secs(300))}},
				{Key: "ns/now"},
				{Key: "ns/soon", Tolerations: []corev1.Toleration{tolerate(unreachable, exists, noExec, secs(15))}},
				{Key: "ns/forever", Tolerations: []corev1.Toleration{tolerate(unreachable, exists, noExec, nil)}},
				{Key: "ns/over", Tolerations: []corev1.Toleration{tolerate(unreachable, exists, noExec, secs(10))}},
			}, []string{"ns/now", "ns/over"}, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evict, recheck := Evictions(tt.taints, tt.pods, now)
			if !slices.Equal(evict, tt.evict) {
				t.Errorf("evict = %v, want %v", evict, tt.evict)
			}
			if recheck != tt.recheck {
				t.Errorf("recheck = %v, want %v", recheck, tt.recheck)
			}
		})
	}
}
