package tables

import (
	"time"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func init() {
	// kube's printPodDisruptionBudget: N/A for the bound a budget does not set.
	register(policyv1.SchemeGroupVersion.WithResource("poddisruptionbudgets").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Min Available", typeString, "The minimum number of pods that must be available."),
		column("Max Unavailable", typeString, "The maximum number of pods that may be unavailable."),
		column("Allowed Disruptions", typeInteger, "Calculated number of pods that may be disrupted at this time."),
		ageColumn,
	}, printPodDisruptionBudget))
}

func printPodDisruptionBudget(pdb *policyv1.PodDisruptionBudget, now time.Time) []interface{} {
	minAvailable, maxUnavailable := "N/A", "N/A"
	if v := pdb.Spec.MinAvailable; v != nil {
		minAvailable = v.String()
	}
	if v := pdb.Spec.MaxUnavailable; v != nil {
		maxUnavailable = v.String()
	}
	return []interface{}{pdb.Name, minAvailable, maxUnavailable, int64(pdb.Status.DisruptionsAllowed), age(pdb.CreationTimestamp, now)}
}
