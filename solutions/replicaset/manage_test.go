package replicaset_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/solutions/replicaset"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// pod is a pod named name, created at t0+age seconds, changed by opts.
func pod(name string, created int, opts ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(t0.Add(time.Duration(created) * time.Second))}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func scheduled(p *corev1.Pod) { p.Spec.NodeName = "node-1" }
func phase(ph corev1.PodPhase) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Status.Phase = ph }
}
func readySince(sec int) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(t0.Add(time.Duration(sec) * time.Second))})
	}
}
func notReady(p *corev1.Pod) {
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse})
}
func restarts(n int32) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: "a"}, corev1.ContainerStatus{Name: "b", RestartCount: n})
	}
}
func deleting(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: t0} }

// running is a scheduled, Running, Ready pod.
func running(name string, created int) *corev1.Pod {
	return pod(name, created, scheduled, phase(corev1.PodRunning), readySince(created+1))
}

func names(pods []*corev1.Pod) []string {
	out := []string{}
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestManage(t *testing.T) {
	cases := []struct {
		name       string
		replicas   int32
		pods       []*corev1.Pod
		burst      int
		wantCreate int
		wantRemove []string
	}{
		{"a new ReplicaSet creates every pod", 3, nil, 500, 3, nil},
		{"one missing pod is created", 3, []*corev1.Pod{running("a", 1), running("b", 2)}, 500, 1, nil},
		{"the right count does nothing", 2, []*corev1.Pod{running("a", 1), running("b", 2)}, 500, 0, nil},
		{"zero replicas and no pods does nothing", 0, nil, 500, 0, nil},
		{"finished pods do not count", 2, []*corev1.Pod{running("a", 1), pod("done", 2, scheduled, phase(corev1.PodSucceeded)),
			pod("failed", 3, scheduled, phase(corev1.PodFailed))}, 500, 1, nil},
		{"pods being deleted do not count", 2, []*corev1.Pod{running("a", 1), pod("going", 2, scheduled, phase(corev1.PodRunning), deleting)}, 500, 1, nil},
		{"creates are bounded by the burst", 10, []*corev1.Pod{running("a", 1)}, 4, 4, nil},
		{"the surplus is removed, newest first", 1, []*corev1.Pod{running("old", 1), running("new", 5), running("mid", 3)}, 500, 0, []string{"new", "mid"}},
		{"scaling to zero removes every pod", 0, []*corev1.Pod{running("a", 1), running("b", 2)}, 500, 0, []string{"b", "a"}},
		{"removals are bounded by the burst", 0, []*corev1.Pod{running("a", 1), running("b", 2), running("c", 3)}, 2, 0, []string{"c", "b"}},
		{"unscheduled pods go first", 2, []*corev1.Pod{running("a", 5), pod("pending", 1), running("b", 6)}, 500, 0, []string{"pending"}},
		{"pods being deleted are never chosen", 1, []*corev1.Pod{running("a", 1), running("b", 2), pod("going", 9, deleting)}, 500, 0, []string{"b"}},
		{"finished pods are never chosen", 1, []*corev1.Pod{running("a", 1), running("b", 2), pod("done", 9, phase(corev1.PodFailed))}, 500, 0, []string{"b"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := names(c.pods)
			create, remove, err := replicaset.Manage(c.replicas, c.pods, c.burst)
			if err != nil {
				t.Fatalf("Manage: %v", err)
			}
			if create != c.wantCreate {
				t.Errorf("create = %d, want %d", create, c.wantCreate)
			}
			if got := names(remove); !slices.Equal(got, orEmpty(c.wantRemove)) {
				t.Errorf("remove = %v, want %v", got, orEmpty(c.wantRemove))
			}
			if after := names(c.pods); !slices.Equal(before, after) {
				t.Errorf("the pods given were reordered: %v, then %v", before, after)
			}
		})
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestManageRefusesBadInputAndAcceptsTheEdges(t *testing.T) {
	for _, c := range []struct {
		replicas int32
		burst    int
		ok       bool
	}{{-1, 500, false}, {3, 0, false}, {3, -2, false}, {0, 1, true}, {1, 1, true}} {
		t.Run(fmt.Sprintf("replicas=%d,burst=%d", c.replicas, c.burst), func(t *testing.T) {
			_, _, err := replicaset.Manage(c.replicas, []*corev1.Pod{running("a", 1)}, c.burst)
			if (err == nil) != c.ok {
				t.Errorf("Manage(%d, …, %d): error %v, want an error: %v", c.replicas, c.burst, err, !c.ok)
			}
		})
	}
}

func TestLessOrdersPodsForDeletionAsKubeActivePods(t *testing.T) {
	cases := []struct {
		name  string
		first *corev1.Pod
		then  *corev1.Pod
	}{
		{"unscheduled before scheduled", pod("u", 1), pod("s", 9, scheduled)},
		{"Pending before Unknown", pod("p", 1, scheduled, phase(corev1.PodPending)), pod("u", 9, scheduled, phase(corev1.PodUnknown))},
		{"Unknown before Running", pod("u", 1, scheduled, phase(corev1.PodUnknown)), pod("r", 9, scheduled, phase(corev1.PodRunning))},
		{"not Ready before Ready", pod("n", 1, scheduled, phase(corev1.PodRunning), notReady), pod("r", 9, scheduled, phase(corev1.PodRunning), readySince(9))},
		{"Ready for less time first", pod("late", 1, scheduled, phase(corev1.PodRunning), readySince(50)),
			pod("early", 9, scheduled, phase(corev1.PodRunning), readySince(10))},
		{"more restarts first", pod("crashy", 1, scheduled, phase(corev1.PodRunning), readySince(10), restarts(3)),
			pod("steady", 9, scheduled, phase(corev1.PodRunning), readySince(10), restarts(1))},
		{"newer first", pod("new", 9, scheduled, phase(corev1.PodRunning), readySince(10)), pod("old", 1, scheduled, phase(corev1.PodRunning), readySince(10))},
		{"by name when all else ties", pod("a", 1), pod("b", 1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !replicaset.Less(c.first, c.then) {
				t.Errorf("Less(%s, %s) = false, want true", c.first.Name, c.then.Name)
			}
			if replicaset.Less(c.then, c.first) {
				t.Errorf("Less(%s, %s) = true, want false", c.then.Name, c.first.Name)
			}
		})
	}
}

func TestIsActive(t *testing.T) {
	cases := []struct {
		pod  *corev1.Pod
		want bool
	}{
		{pod("new", 1), true},
		{pod("running", 1, phase(corev1.PodRunning)), true},
		{pod("unknown", 1, phase(corev1.PodUnknown)), true},
		{pod("succeeded", 1, phase(corev1.PodSucceeded)), false},
		{pod("failed", 1, phase(corev1.PodFailed)), false},
		{pod("deleting", 1, phase(corev1.PodRunning), deleting), false},
	}
	for _, c := range cases {
		if got := replicaset.IsActive(c.pod); got != c.want {
			t.Errorf("IsActive(%s) = %v, want %v", c.pod.Name, got, c.want)
		}
	}
}
