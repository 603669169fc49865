package statefulset

import (
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func planNames(p plan) (create []int, remove []string) {
	for _, pod := range p.remove {
		remove = append(remove, pod.Name)
	}
	return p.create, remove
}

// The cases a fake clientset cannot show: it deletes at once, where a real
// pod is terminating a while.
func TestDecideWaitsForTerminatingPods(t *testing.T) {
	set := newSet(1, appsv1.OrderedReadyPodManagement)
	rev := revisionOf(set)
	going := func(ord int) *corev1.Pod {
		p := runningPod(set, ord, rev)
		p.DeletionTimestamp = ptr.To(metav1.NewTime(t0))
		return p
	}
	pending := runningPod(set, 1, rev)
	pending.Status = corev1.PodStatus{Phase: corev1.PodPending}
	parallel := newSet(1, appsv1.ParallelPodManagement)
	tests := []struct {
		name       string
		set        *appsv1.StatefulSet
		pods       []*corev1.Pod
		wantCreate []int
		wantRemove []string
	}{
		{"web-2 going: web-1 waits", set, []*corev1.Pod{runningPod(set, 0, rev), runningPod(set, 1, rev), going(2)}, nil, nil},
		{"web-0 going: nothing else happens", newSet(3, appsv1.OrderedReadyPodManagement),
			[]*corev1.Pod{going(0), runningPod(set, 1, rev)}, nil, nil},
		{"an unready pod above the first unready one blocks the scale-down", set,
			[]*corev1.Pod{runningPod(set, 0, rev), pending, func() *corev1.Pod { p := pending.DeepCopy(); p.Name = "web-2"; return p }()}, nil, nil},
		{"the only unready condemned pod may go", set, []*corev1.Pod{runningPod(set, 0, rev), pending}, nil, []string{"web-1"}},
		{"Parallel does not wait for web-2 to go", parallel,
			[]*corev1.Pod{runningPod(set, 0, rev), runningPod(set, 1, rev), going(2)}, nil, []string{"web-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			create, remove := planNames(decide(tt.set, tt.pods, rev, t0))
			if !slices.Equal(create, tt.wantCreate) || !slices.Equal(remove, tt.wantRemove) {
				t.Errorf("create %v, remove %v; want %v, %v", create, remove, tt.wantCreate, tt.wantRemove)
			}
		})
	}
}

func TestDecideStartsAtSpecOrdinalsStart(t *testing.T) {
	set := newSet(2, appsv1.ParallelPodManagement)
	set.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: 5}
	rev := revisionOf(set)
	create, remove := planNames(decide(set, []*corev1.Pod{runningPod(set, 0, rev), runningPod(set, 6, rev)}, rev, t0))
	if !slices.Equal(create, []int{5}) || !slices.Equal(remove, []string{"web-0"}) {
		t.Errorf("create %v, remove %v; want web-5 made and web-0 removed", create, remove)
	}
}

func TestMinReadySecondsHoldsTheNextOrdinalAndComesBack(t *testing.T) {
	set := newSet(2, appsv1.OrderedReadyPodManagement)
	set.Spec.MinReadySeconds = 120 // web-0 has been Ready for a minute
	rev := revisionOf(set)
	pods := []*corev1.Pod{runningPod(set, 0, rev)}
	if p := decide(set, pods, rev, t0); len(p.create) != 0 {
		t.Errorf("web-1 made before web-0 was available: %v", p.create)
	}
	s, wait := calculateStatus(set, pods, rev, rev, t0)
	if s.ReadyReplicas != 1 || s.AvailableReplicas != 0 || wait != 2*time.Minute {
		t.Errorf("status %+v, recheck in %v; want ready 1, available 0, recheck in 2m", s, wait)
	}
}
