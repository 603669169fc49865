package tables

import (
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Node roles are labels: node-role.kubernetes.io/<role>, or the older kubernetes.io/role=<role>.
const (
	nodeRolePrefix = "node-role.kubernetes.io/"
	nodeRoleLabel  = "kubernetes.io/role"
)

func init() {
	register(corev1.SchemeGroupVersion.WithResource("nodes").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		nameColumn,
		column("Status", typeString, "The status of the node"),
		column("Roles", typeString, "The roles of the node"),
		ageColumn,
		column("Version", typeString, "Kubelet version reported by the node."),
		wide("Internal-IP", typeString, "The node's first internal IP."),
		wide("External-IP", typeString, "The node's first external IP."),
		wide("OS-Image", typeString, "OS image reported by the node."),
		wide("Kernel-Version", typeString, "Kernel version reported by the node."),
		wide("Container-Runtime", typeString, "Container runtime version reported by the node."),
	}, printNode))
}

func printNode(node *corev1.Node, now time.Time) []interface{} {
	info := node.Status.NodeInfo
	return []interface{}{
		node.Name, nodeStatus(node), orNone(strings.Join(nodeRoles(node), ",")), age(node.CreationTimestamp, now), info.KubeletVersion,
		nodeAddress(node, corev1.NodeInternalIP), nodeAddress(node, corev1.NodeExternalIP),
		orUnknown(info.OSImage), orUnknown(info.KernelVersion), orUnknown(info.ContainerRuntimeVersion),
	}
}

// nodeStatus is Ready, NotReady or Unknown (no Ready condition), then
// SchedulingDisabled for a cordoned node.
func nodeStatus(node *corev1.Node) string {
	status := []string{"Unknown"}
	for _, c := range node.Status.Conditions {
		if c.Type != corev1.NodeReady {
			continue
		}
		status[0] = "NotReady"
		if c.Status == corev1.ConditionTrue {
			status[0] = "Ready"
		}
	}
	if node.Spec.Unschedulable {
		status = append(status, "SchedulingDisabled")
	}
	return strings.Join(status, ",")
}

// nodeRoles are the node's roles, sorted and without repeats.
func nodeRoles(node *corev1.Node) []string {
	seen := map[string]bool{}
	for k, v := range node.Labels {
		switch {
		case strings.HasPrefix(k, nodeRolePrefix) && len(k) > len(nodeRolePrefix):
			seen[strings.TrimPrefix(k, nodeRolePrefix)] = true
		case k == nodeRoleLabel && v != "":
			seen[v] = true
		}
	}
	roles := make([]string, 0, len(seen))
	for r := range seen {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	return roles
}

// nodeAddress is the node's first address of type t, or "<none>".
func nodeAddress(node *corev1.Node, t corev1.NodeAddressType) string {
	for _, a := range node.Status.Addresses {
		if a.Type == t {
			return a.Address
		}
	}
	return none
}

func orUnknown(s string) string {
	if s == "" {
		return unknown
	}
	return s
}
