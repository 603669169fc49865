package daemonset

import (
	"encoding/json"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/klog/v2"
)

// daemonTolerations are the tolerations kube's DaemonSet controller adds
// to every daemon pod (AddOrUpdateDaemonPodTolerations): it runs on nodes
// that are not ready, unreachable, under pressure or cordoned.
func daemonTolerations(spec *corev1.PodSpec) []corev1.Toleration {
	exists := func(key string, effect corev1.TaintEffect) corev1.Toleration {
		return corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: effect}
	}
	t := []corev1.Toleration{
		exists(corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute),
		exists(corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute),
		exists(corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule),
		exists(corev1.TaintNodeMemoryPressure, corev1.TaintEffectNoSchedule),
		exists(corev1.TaintNodePIDPressure, corev1.TaintEffectNoSchedule),
		exists(corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule),
	}
	if spec.HostNetwork {
		t = append(t, exists(corev1.TaintNodeNetworkUnavailable, corev1.TaintEffectNoSchedule))
	}
	return t
}

// withDaemonTolerations returns tolerations with those of daemonTolerations
// it lacks (same key and effect) added.
func withDaemonTolerations(spec *corev1.PodSpec) []corev1.Toleration {
	out := slices.Clone(spec.Tolerations)
	for _, t := range daemonTolerations(spec) {
		if !slices.ContainsFunc(out, func(o corev1.Toleration) bool { return o.Key == t.Key && o.Effect == t.Effect }) {
			out = append(out, t)
		}
	}
	return out
}

// shouldRun says whether a daemon pod of ds belongs on node (run), and
// whether one already there may stay (stay): the node's labels match the
// template's nodeSelector, and every NoSchedule and NoExecute taint of the
// node is tolerated — a NoSchedule one only keeps new pods away.
func shouldRun(ds *appsv1.DaemonSet, node *corev1.Node) (run, stay bool) {
	spec := &ds.Spec.Template.Spec
	if !labels.SelectorFromSet(spec.NodeSelector).Matches(labels.Set(node.Labels)) {
		return false, false
	}
	tolerations := withDaemonTolerations(spec)
	run, stay = true, true
	for i := range node.Spec.Taints {
		taint := &node.Spec.Taints[i]
		if taint.Effect == corev1.TaintEffectPreferNoSchedule {
			continue
		}
		tolerated := slices.ContainsFunc(tolerations, func(t corev1.Toleration) bool {
			return t.ToleratesTaint(klog.Background(), taint, false)
		})
		if !tolerated {
			run = false
			stay = stay && taint.Effect != corev1.TaintEffectNoExecute
		}
	}
	return run, stay
}

// templateHash is the hash of ds's template that its pods carry in the
// label controller-revision-hash, as kube's ComputeHash makes it.
func templateHash(ds *appsv1.DaemonSet) string {
	data, _ := json.Marshal(ds.Spec.Template) // a template always encodes
	h := fnv.New32a()
	h.Write(data)
	return rand.SafeEncodeString(strconv.FormatUint(uint64(h.Sum32()), 10))
}

// newPod is a daemon pod of ds for node: the template, labelled with its
// hash, bound to node and kept there by node affinity, as kube's are,
// tolerating what daemon pods tolerate.
func newPod(ds *appsv1.DaemonSet, node, hash string) *corev1.Pod {
	t := &ds.Spec.Template
	pod := &corev1.Pod{ObjectMeta: *t.ObjectMeta.DeepCopy(), Spec: *t.Spec.DeepCopy()}
	pod.Name, pod.GenerateName, pod.Namespace = "", ds.Name+"-", ds.Namespace
	pod.Labels = maps.Clone(t.Labels)
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[appsv1.ControllerRevisionHashLabelKey] = hash
	pod.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(ds, appsv1.SchemeGroupVersion.WithKind("DaemonSet"))}
	pod.Spec.NodeName = node
	pod.Spec.Tolerations = withDaemonTolerations(&pod.Spec)
	if pod.Spec.Affinity == nil {
		pod.Spec.Affinity = &corev1.Affinity{}
	}
	pod.Spec.Affinity.NodeAffinity = nodeNameAffinity(pod.Spec.Affinity.NodeAffinity, node)
	return pod
}

// nodeNameAffinity replaces the required terms of affinity by one that
// selects node by metadata.name (kube's ReplaceDaemonSetPodNodeNameNodeAffinity).
func nodeNameAffinity(affinity *corev1.NodeAffinity, node string) *corev1.NodeAffinity {
	if affinity == nil {
		affinity = &corev1.NodeAffinity{}
	}
	affinity.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
		MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{node}}},
	}}}
	return affinity
}

func podReady(p *corev1.Pod) bool {
	return slices.ContainsFunc(p.Status.Conditions, func(c corev1.PodCondition) bool {
		return c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue
	})
}
