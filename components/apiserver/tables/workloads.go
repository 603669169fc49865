package tables

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

func init() {
	register(appsv1.SchemeGroupVersion.WithResource("deployments").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Ready", typeString, "Number of the pod with ready state"),
		column("Up-to-date", typeString, "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
		column("Available", typeString, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
		ageColumn,
		containersColumn,
		imagesColumn,
		wide("Selector", typeString, "Label selector for pods."),
	}, printDeployment))
	register(appsv1.SchemeGroupVersion.WithResource("replicasets").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Desired", typeInteger, "Number of desired pods."),
		column("Current", typeInteger, "The most recently observed number of replicas."),
		column("Ready", typeInteger, "The number of ready replicas for this replica set."),
		ageColumn,
		containersColumn,
		imagesColumn,
		wide("Selector", typeString, "Label selector for pods."),
	}, printReplicaSet))
	register(appsv1.SchemeGroupVersion.WithResource("statefulsets").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Ready", typeString, "Number of the pod with ready state"),
		ageColumn,
		containersColumn,
		imagesColumn,
	}, printStatefulSet))
	register(corev1.SchemeGroupVersion.WithResource("podtemplates").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Containers", typeString, "Names of each container in the template."),
		column("Images", typeString, "Images referenced by each container in the template."),
		column("Pod Labels", typeString, "The labels for the pod template."),
	}, printPodTemplate))
}

func printDeployment(d *appsv1.Deployment, now time.Time) []interface{} {
	names, images := containerCells(d.Spec.Template.Spec.Containers)
	return []interface{}{
		d.Name, fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, replicas(d.Spec.Replicas)),
		int64(d.Status.UpdatedReplicas), int64(d.Status.AvailableReplicas), age(d.CreationTimestamp, now),
		names, images, selectorString(d.Spec.Selector),
	}
}

func printReplicaSet(rs *appsv1.ReplicaSet, now time.Time) []interface{} {
	names, images := containerCells(rs.Spec.Template.Spec.Containers)
	return []interface{}{
		rs.Name, int64(replicas(rs.Spec.Replicas)), int64(rs.Status.Replicas), int64(rs.Status.ReadyReplicas),
		age(rs.CreationTimestamp, now), names, images, metav1.FormatLabelSelector(rs.Spec.Selector),
	}
}

// printStatefulSet prints READY as ready/desired, as kube's printer does.
func printStatefulSet(s *appsv1.StatefulSet, now time.Time) []interface{} {
	names, images := containerCells(s.Spec.Template.Spec.Containers)
	return []interface{}{
		s.Name, fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, replicas(s.Spec.Replicas)), age(s.CreationTimestamp, now), names, images,
	}
}

func printPodTemplate(t *corev1.PodTemplate, _ time.Time) []interface{} {
	names, images := containerCells(t.Template.Spec.Containers)
	return []interface{}{t.Name, names, images, labels.FormatLabels(t.Template.Labels)}
}

// replicas is spec.replicas; unset reads as 0, as kube's conversion to its
// internal types does (defaulting has set it to 1 before it was stored).
func replicas(r *int32) int32 {
	if r == nil {
		return 0
	}
	return *r
}

// selectorString prints a deployment's selector as kube does: "<invalid>"
// for a selector that does not parse.
func selectorString(sel *metav1.LabelSelector) string {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return "<invalid>"
	}
	return s.String()
}
