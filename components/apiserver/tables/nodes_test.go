package tables

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func node(ready corev1.ConditionStatus) *corev1.Node {
	n := &corev1.Node{ObjectMeta: objectMeta("node-1", 3*24*time.Hour)}
	n.Namespace = ""
	if ready != "" {
		n.Status.Conditions = []corev1.NodeCondition{
			{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse},
			{Type: corev1.NodeReady, Status: ready},
		}
	}
	n.Status.NodeInfo.KubeletVersion = "v1.37.2-ownkube"
	return n
}

func TestPrintNode(t *testing.T) {
	cordoned := node(corev1.ConditionTrue)
	cordoned.Spec.Unschedulable = true

	full := node(corev1.ConditionTrue)
	full.Labels = map[string]string{
		"node-role.kubernetes.io/control-plane": "",
		"node-role.kubernetes.io/worker":        "",
		"kubernetes.io/role":                    "worker", // a repeat of the above
		"node-role.kubernetes.io/":              "",       // no role named
		"kubernetes.io/hostname":                "node-1",
	}
	full.Status.Addresses = []corev1.NodeAddress{
		{Type: corev1.NodeHostName, Address: "node-1"},
		{Type: corev1.NodeInternalIP, Address: "172.18.0.3"},
		{Type: corev1.NodeInternalIP, Address: "fd00::3"},
	}
	full.Status.NodeInfo.OSImage = "scratch"
	full.Status.NodeInfo.KernelVersion = "6.8.0"
	full.Status.NodeInfo.ContainerRuntimeVersion = "docker://28.5.2"

	tests := []struct {
		name string
		node *corev1.Node
		want []interface{}
	}{
		{"ready", node(corev1.ConditionTrue),
			cells("node-1", "Ready", "<none>", "3d", "v1.37.2-ownkube", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>")},
		{"cordoned", cordoned, cells("node-1", "Ready,SchedulingDisabled")},
		{"not ready", node(corev1.ConditionFalse), cells("node-1", "NotReady")},
		{"not heard from", node(corev1.ConditionUnknown), cells("node-1", "NotReady")},
		{"no ready condition", node(""), cells("node-1", "Unknown")},
		{"roles and wide columns", full,
			cells("node-1", "Ready", "control-plane,worker", "3d", "v1.37.2-ownkube", "172.18.0.3", "<none>", "scratch", "6.8.0", "docker://28.5.2")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, printers[gr("", "nodes")].columns, printNode(tt.node, now), tt.want)
		})
	}
}
