package kubelet

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

//ownkube:begin stage=4

// RenewLease returns the node's Lease in kube-node-lease renewed at now:
// held by the node, lasting duration. lease is the stored one, or nil when
// there is none yet (the result is then the Lease to create). The node
// lifecycle controller reads renewTime: a lease not renewed within its
// duration marks the node unreachable.
func RenewLease(lease *coordinationv1.Lease, node string, now time.Time, duration time.Duration) (*coordinationv1.Lease, error) {
	if lease == nil {
		lease = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: node, Namespace: corev1.NamespaceNodeLease}}
	} else {
		lease = lease.DeepCopy()
	}
	seconds := int32(duration / time.Second)
	lease.Spec.HolderIdentity = &node
	lease.Spec.LeaseDurationSeconds = &seconds
	lease.Spec.RenewTime = &metav1.MicroTime{Time: now}
	return lease, nil
}

// ReadyCondition returns the node's Ready condition: True while the
// container runtime answers, False with a reason otherwise. Its transition
// time moves only when its status changes; its heartbeat time is now.
func ReadyCondition(conditions []corev1.NodeCondition, runtimeErr error, now time.Time) (corev1.NodeCondition, error) {
	c := corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
		Message: "kubelet is posting ready status", LastHeartbeatTime: metav1.Time{Time: now}, LastTransitionTime: metav1.Time{Time: now}}
	if runtimeErr != nil {
		c.Status, c.Reason, c.Message = corev1.ConditionFalse, "KubeletNotReady", "container runtime is down: "+runtimeErr.Error()
	}
	for _, old := range conditions {
		if old.Type == corev1.NodeReady && old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
	}
	return c, nil
}

//ownkube:end
