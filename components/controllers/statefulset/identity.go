package statefulset

import (
	"maps"
	"regexp"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/controllers/deployment"
)

// kind is what a pod's controller reference names.
var kind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")

// ordinalName splits a pod's name into its set's name and its ordinal, as
// kube's getParentNameAndOrdinal: "web-2" is ordinal 2 of "web".
var ordinalName = regexp.MustCompile(`^(.*)-([0-9]+)$`)

// ordinalOf is the ordinal of pod in set, or -1 when its name is not
// <set>-<ordinal>: such a pod is no member of set.
func ordinalOf(set *appsv1.StatefulSet, pod *corev1.Pod) int {
	m := ordinalName.FindStringSubmatch(pod.Name)
	if m == nil || m[1] != set.Name {
		return -1
	}
	ord, err := strconv.ParseInt(m[2], 10, 32)
	if err != nil {
		return -1
	}
	return int(ord)
}

// podName is the name of set's pod of ordinal ord.
func podName(set *appsv1.StatefulSet, ord int) string { return set.Name + "-" + strconv.Itoa(ord) }

// startOrdinal is the first ordinal of set's pods: spec.ordinals.start, or 0.
func startOrdinal(set *appsv1.StatefulSet) int {
	if set.Spec.Ordinals == nil {
		return 0
	}
	return int(set.Spec.Ordinals.Start)
}

// revisionOf names the revision of set's current template, as kube names
// a StatefulSet's ControllerRevisions: <set>-<hash>. The hash is kube's
// controller.ComputeHash of the template (and the collision count);
// ControllerRevisions are not served, so none is stored.
func revisionOf(set *appsv1.StatefulSet) string {
	return set.Name + "-" + deployment.ComputeHash(&set.Spec.Template, set.Status.CollisionCount)
}

// revisionOfPod is the revision a pod was made from, by its label.
func revisionOfPod(pod *corev1.Pod) string { return pod.Labels[appsv1.ControllerRevisionHashLabelKey] }

// newPod is set's pod of ordinal ord at revision, as kube's
// newStatefulSetPod makes it: the template, named <set>-<ordinal>, labelled
// with its name, its index and its revision, its hostname its name and its
// subdomain the set's governing Service, controlled by set.
func newPod(set *appsv1.StatefulSet, ord int, revision string) *corev1.Pod {
	t := set.Spec.Template.DeepCopy()
	name := podName(set, ord)
	labels := maps.Clone(t.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[appsv1.StatefulSetPodNameLabel] = name
	labels[appsv1.PodIndexLabel] = strconv.Itoa(ord)
	labels[appsv1.ControllerRevisionHashLabelKey] = revision
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			Namespace:       set.Namespace,
			Labels:          labels,
			Annotations:     t.Annotations,
			Finalizers:      t.Finalizers,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, kind)},
		},
		Spec: t.Spec,
	}
	pod.Spec.Hostname = name
	pod.Spec.Subdomain = set.Spec.ServiceName
	return pod
}
