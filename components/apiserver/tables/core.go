package tables

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func init() {
	core := corev1.SchemeGroupVersion
	register(core.WithResource("namespaces").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Status", typeString, "The status of the namespace"),
		ageColumn,
	}, printNamespace))
	register(core.WithResource("configmaps").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Data", typeString, "Number of keys in data and binaryData."),
		ageColumn,
	}, printConfigMap))
	register(core.WithResource("secrets").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Type", typeString, "Used to facilitate programmatic handling of secret data."),
		column("Data", typeString, "Number of keys in data."),
		ageColumn,
	}, printSecret))
	register(core.WithResource("serviceaccounts").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Secrets", typeString, "Number of secrets the service account references."),
		ageColumn,
	}, printServiceAccount))
	register(coordinationv1.SchemeGroupVersion.WithResource("leases").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Holder", typeString, "The identity of the holder of the lease."),
		ageColumn,
	}, printLease))
}

func printNamespace(ns *corev1.Namespace, now time.Time) []interface{} {
	return []interface{}{ns.Name, string(ns.Status.Phase), age(ns.CreationTimestamp, now)}
}

func printConfigMap(cm *corev1.ConfigMap, now time.Time) []interface{} {
	return []interface{}{cm.Name, int64(len(cm.Data) + len(cm.BinaryData)), age(cm.CreationTimestamp, now)}
}

// printSecret counts the keys of data and stringData together: kube merges
// stringData into data before it prints.
func printSecret(s *corev1.Secret, now time.Time) []interface{} {
	keys := len(s.Data)
	for k := range s.StringData {
		if _, dup := s.Data[k]; !dup {
			keys++
		}
	}
	return []interface{}{s.Name, string(s.Type), int64(keys), age(s.CreationTimestamp, now)}
}

func printServiceAccount(sa *corev1.ServiceAccount, now time.Time) []interface{} {
	return []interface{}{sa.Name, int64(len(sa.Secrets)), age(sa.CreationTimestamp, now)}
}

// printLease leaves HOLDER empty for a lease nobody holds, as kube does.
func printLease(l *coordinationv1.Lease, now time.Time) []interface{} {
	holder := ""
	if l.Spec.HolderIdentity != nil {
		holder = *l.Spec.HolderIdentity
	}
	return []interface{}{l.Name, holder, age(l.CreationTimestamp, now)}
}
