package kubelet

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"

	"github.com/ownkube/ownkube/components/kit/exercise"
	"github.com/ownkube/ownkube/components/kit/stubreport"
	"github.com/ownkube/ownkube/components/kubelet/core"
)

// Version is the kubelet version a node reports.
const Version = "v1.37.2-ownkube"

// register creates or updates the node's Node object, then its status.
func (k *Kubelet) register(ctx context.Context) error {
	nodes := k.cfg.Client.CoreV1().Nodes()
	node, err := nodes.Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		node, err = nodes.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: k.cfg.NodeName, Labels: k.labels(nil)}}, metav1.CreateOptions{})
	case err == nil:
		node.Labels = k.labels(node.Labels)
		node, err = nodes.Update(ctx, node, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("register node %s: %w", k.cfg.NodeName, err)
	}
	if err := k.nodeStatus(node, nil); err != nil {
		return err
	}
	if _, err := nodes.UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("report status of node %s: %w", k.cfg.NodeName, err)
	}
	k.log.Info("node registered", "capacity", k.cfg.Capacity)
	return nil
}

func (k *Kubelet) labels(existing map[string]string) map[string]string {
	labels := maps.Clone(existing)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[corev1.LabelHostname] = k.cfg.NodeName
	labels[corev1.LabelOSStable] = runtime.GOOS
	labels[corev1.LabelArchStable] = runtime.GOARCH
	maps.Copy(labels, k.cfg.Labels)
	return labels
}

// nodeStatus fills in what the node reports about itself. An error of the
// learner's ReadyCondition is never swallowed: a stub's "not implemented"
// is the node's Ready=False with reason NotImplemented (and an Event), so
// the node still registers and whoever waits for it reads why it is not
// Ready; any other error is returned.
func (k *Kubelet) nodeStatus(node *corev1.Node, runtimeErr error) error {
	ready, err := k.readyCondition(node, runtimeErr)
	if err != nil {
		return err
	}
	node.Status.Capacity = k.cfg.Capacity.DeepCopy()
	node.Status.Allocatable = k.cfg.Capacity.DeepCopy()
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: k.cfg.NodeIP}, {Type: corev1.NodeHostName, Address: k.cfg.NodeName}}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(logPort(k.cfg.LogAddress))
	node.Status.NodeInfo = corev1.NodeSystemInfo{KubeletVersion: Version, ContainerRuntimeVersion: "docker", OSImage: "ownkube (scratch)",
		OperatingSystem: runtime.GOOS, Architecture: runtime.GOARCH, KernelVersion: kernelVersion()}
	node.Status.Phase = corev1.NodeRunning
	node.Status.Conditions = setNodeCondition(node.Status.Conditions, ready)
	return nil
}

// readyCondition asks the learner's core for the node's Ready condition.
func (k *Kubelet) readyCondition(node *corev1.Node, runtimeErr error) (c corev1.NodeCondition, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = exercise.Recovered(p)
		}
		if ni := k.stubs.Report(node, err); ni != nil {
			c, err = stubreport.NodeReady(node.Status.Conditions, ni, metav1.Now()), nil
		}
	}()
	c, err = core.ReadyCondition(node.Status.Conditions, runtimeErr, time.Now())
	if err != nil {
		return c, fmt.Errorf("node %s: the Ready condition: %w", k.cfg.NodeName, err)
	}
	return c, nil
}

func setNodeCondition(conds []corev1.NodeCondition, c corev1.NodeCondition) []corev1.NodeCondition {
	for i := range conds {
		if conds[i].Type == c.Type {
			conds[i] = c
			return conds
		}
	}
	return append(conds, c)
}

// heartbeat renews the node's Lease every HeartbeatInterval and refreshes
// its status (the Ready condition) every few renewals.
func (k *Kubelet) heartbeat(ctx context.Context) {
	ticker := time.NewTicker(k.cfg.HeartbeatInterval)
	defer ticker.Stop()
	for beat := 1; ; beat++ {
		if err := k.renewLease(ctx); err != nil && ctx.Err() == nil && !exercise.IsNotImplemented(err) {
			k.log.Warn("renew lease", "err", err) // a stub was reported once, on the Node
		}
		if beat%2 == 0 {
			if err := k.updateNodeStatus(ctx); err != nil && ctx.Err() == nil {
				k.log.Warn("update node status", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func (k *Kubelet) renewLease(ctx context.Context) error {
	leases := k.cfg.Client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		stored, err := leases.Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			stored = nil
		} else if err != nil {
			return err
		}
		lease, err := k.newLease(ctx, stored)
		if err != nil {
			return err
		}
		if stored == nil {
			k.ownLease(ctx, lease)
			_, err = leases.Create(ctx, lease, metav1.CreateOptions{})
			return err
		}
		_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
		return err
	})
}

// newLease asks the learner's core for the renewed Lease. A stub is
// reported once on the Node, and its error returned as ever: without a
// Lease the node lifecycle controller will, rightly, call the node gone.
func (k *Kubelet) newLease(ctx context.Context, stored *coordinationv1.Lease) (lease *coordinationv1.Lease, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = exercise.Recovered(p)
		}
		if exercise.IsNotImplemented(err) {
			if node, gerr := k.cfg.Client.CoreV1().Nodes().Get(ctx, k.cfg.NodeName, metav1.GetOptions{}); gerr == nil {
				k.stubs.Report(node, err)
			}
		}
	}()
	lease, err = core.RenewLease(stored, k.cfg.NodeName, time.Now(), k.cfg.LeaseDuration)
	if err != nil {
		return nil, fmt.Errorf("node %s: renew its Lease: %w", k.cfg.NodeName, err)
	}
	return lease, nil
}

// ownLease makes the Node the Lease's owner, so the Lease goes with it.
func (k *Kubelet) ownLease(ctx context.Context, lease *coordinationv1.Lease) {
	node, err := k.cfg.Client.CoreV1().Nodes().Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
	if err == nil {
		lease.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}}
	}
}

func (k *Kubelet) updateNodeStatus(ctx context.Context) error {
	_, runtimeErr := k.runtime.Pods(ctx)
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := k.cfg.Client.CoreV1().Nodes().Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return k.register(ctx) // someone deleted the Node: register again
		}
		if err != nil {
			return err
		}
		if err := k.nodeStatus(node, runtimeErr); err != nil {
			return err
		}
		_, err = k.cfg.Client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
		return err
	})
}
