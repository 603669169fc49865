package daemonset

import (
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

var now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func testNode(name string, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"zone": "a"}}, Spec: corev1.NodeSpec{Taints: taints}}
}

func TestShouldRunFollowsTheNodeSelectorAndTaints(t *testing.T) {
	ds := &appsv1.DaemonSet{}
	selecting := &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{NodeSelector: map[string]string{"zone": "b"}}}}}
	tests := []struct {
		name      string
		ds        *appsv1.DaemonSet
		node      *corev1.Node
		run, stay bool
	}{
		{"a plain node", ds, testNode("n"), true, true},
		{"another zone than the selector's", selecting, testNode("n"), false, false},
		{"unreachable: tolerated by every daemon pod", ds, testNode("n", corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}), true, true},
		{"cordoned: tolerated", ds, testNode("n", corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}), true, true},
		{"not-ready NoSchedule: no new pod, the old may stay", ds, testNode("n", corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule}), false, true},
		{"an untolerated NoExecute taint: none at all", ds, testNode("n", corev1.Taint{Key: "dedicated", Effect: corev1.TaintEffectNoExecute}), false, false},
		{"PreferNoSchedule never keeps a daemon away", ds, testNode("n", corev1.Taint{Key: "dedicated", Effect: corev1.TaintEffectPreferNoSchedule}), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if run, stay := shouldRun(tt.ds, tt.node); run != tt.run || stay != tt.stay {
				t.Errorf("shouldRun = %t, %t; want %t, %t", run, stay, tt.run, tt.stay)
			}
		})
	}
}

func daemonPod(name, node, hash string, ready bool) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{appsv1.ControllerRevisionHashLabelKey: hash}},
		Spec: corev1.PodSpec{NodeName: node}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	if ready {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	}
	return p
}

func names(pods []*corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return out
}

func TestDecideGivesEachNodeOnePodAndRollsWithinMaxUnavailable(t *testing.T) {
	ds := &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
		Type: appsv1.RollingUpdateDaemonSetStrategyType, RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr.To(intstr.FromInt32(1))}}}}
	nodes := []*corev1.Node{testNode("a"), testNode("b"), testNode("c"), testNode("d")}
	failed := daemonPod("failed", "d", "new", false)
	failed.Status.Phase = corev1.PodFailed
	pods := []*corev1.Pod{
		daemonPod("a-old", "a", "old", true),
		daemonPod("b-old", "b", "old", true),
		daemonPod("c-old-unready", "c", "old", false),
		daemonPod("c-dup", "c", "old", true),
		failed,
		daemonPod("orphan", "gone", "new", true),
	}
	pods[3].CreationTimestamp = metav1.NewTime(now) // the younger of c's two
	states, orphans := byNode(ds, nodes, pods)
	p := decide(ds, states, "new", now)
	if got := names(orphans); !slices.Equal(got, []string{"orphan"}) {
		t.Errorf("orphans = %v, want [orphan]", got)
	}
	if !slices.Equal(p.create, []string{"d"}) {
		t.Errorf("create on %v, want [d]: its only pod failed", p.create)
	}
	// c has two pods: the younger goes, and c waits for the next sync to
	// be rolled. c (its oldest pod not Ready) and d are unavailable:
	// maxUnavailable 1 leaves no budget for a's or b's old pods.
	if got := names(uniquePods(p.remove)); !slices.Equal(got, []string{"c-dup", "failed"}) {
		t.Errorf("remove = %v, want [c-dup failed]", got)
	}
}

func TestRollingUpdateReplacesAvailableOldPodsWithinTheBudget(t *testing.T) {
	ds := &appsv1.DaemonSet{Spec: appsv1.DaemonSetSpec{UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
		Type: appsv1.RollingUpdateDaemonSetStrategyType, RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr.To(intstr.FromString("50%"))}}}}
	nodes := []*corev1.Node{testNode("a"), testNode("b"), testNode("c"), testNode("d")}
	pods := []*corev1.Pod{daemonPod("a", "a", "old", true), daemonPod("b", "b", "old", true), daemonPod("c", "c", "old", true), daemonPod("d", "d", "new", true)}
	states, _ := byNode(ds, nodes, pods)
	if got := rollingUpdate(ds, states, "new", now); len(got) != 2 {
		t.Errorf("deleted %v; 50%% of 4 nodes allows 2 unavailable at once", names(got))
	}
	ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
	if p := decide(ds, states, "new", now); len(p.remove) != 0 {
		t.Errorf("OnDelete removed %v; it waits for the user", names(p.remove))
	}
}

func TestNewPodIsBoundToItsNodeWithDaemonTolerations(t *testing.T) {
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "ns", UID: "u"}}
	ds.Spec.Template.Labels = map[string]string{"app": "agent"}
	ds.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists,
		Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](60)}}
	pod := newPod(ds, "n1", "h")
	if pod.Spec.NodeName != "n1" || pod.GenerateName != "agent-" || pod.Labels[appsv1.ControllerRevisionHashLabelKey] != "h" || !metav1.IsControlledBy(pod, ds) {
		t.Errorf("pod = %s on %q labels %v", pod.GenerateName, pod.Spec.NodeName, pod.Labels)
	}
	if ds.Spec.Template.Labels[appsv1.ControllerRevisionHashLabelKey] != "" {
		t.Error("newPod changed the DaemonSet's template")
	}
	unreachable := 0
	for _, tol := range pod.Spec.Tolerations {
		if tol.Key == corev1.TaintNodeUnreachable {
			unreachable++
		}
	}
	if unreachable != 1 || len(pod.Spec.Tolerations) != len(daemonTolerations(&pod.Spec)) {
		t.Errorf("tolerations = %v: the pod's own unreachable one kept, the other daemon ones added", pod.Spec.Tolerations)
	}
	req := pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchFields[0]
	if req.Key != "metadata.name" || req.Values[0] != "n1" {
		t.Errorf("node affinity = %+v, want metadata.name In [n1]", req)
	}
}
