package framework

import (
	"context"
	"fmt"
	"slices"
	"strings"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/kit/exercise"
)

// A learner's stub (exercise.NotImplemented) shows in the cluster as the
// components report it (components/kit/stubreport): a pod condition
// ownkube.io/NotImplemented, a Warning Event NotImplemented on the object
// whose sync met it, a node's Ready=False with reason NotImplemented. No
// waiting mends a stub, so the waits here and in the specs stop at once
// when they see one, with a message that names the function to write.

// NotImplemented returns the first sign that what namespace ns waits for
// depends on a stub, or "" when there is none: a pod of ns with the
// condition ownkube.io/NotImplemented, a Warning Event NotImplemented on an
// object of ns, or, while a pod of ns waits to be scheduled, a node whose
// Ready condition is a stub. Errors of the API are not signs: the wait
// that called it reports them.
func NotImplemented(ctx context.Context, ns string) string {
	pods, err := Client().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return ""
	}
	unscheduled := false
	for i := range pods.Items {
		if msg := PodNotImplemented(&pods.Items[i]); msg != "" {
			return msg
		}
		unscheduled = unscheduled || pods.Items[i].Spec.NodeName == ""
	}
	if msg := eventNotImplemented(ctx, ns, "", ""); msg != "" {
		return msg
	}
	if unscheduled {
		return NodesNotImplemented(ctx)
	}
	return ""
}

// PodNotImplemented returns what pod's condition ownkube.io/NotImplemented
// says, or "" when it has none.
func PodNotImplemented(pod *corev1.Pod) string {
	c := PodCondition(pod, exercise.ConditionType)
	if c == nil || c.Status != corev1.ConditionTrue {
		return ""
	}
	return fmt.Sprintf("pod %s/%s: %s", pod.Namespace, pod.Name, c.Message)
}

// NodesNotImplemented returns the first sign that a node is not Ready
// because of a stub (its Ready condition False with reason NotImplemented:
// the kubelet's ReadyCondition), or "".
func NodesNotImplemented(ctx context.Context) string {
	nodes, err := Client().CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return ""
	}
	for i := range nodes.Items {
		if msg := NodeNotImplemented(&nodes.Items[i]); msg != "" {
			return msg
		}
	}
	return ""
}

// NodeNotImplemented returns what node's Ready condition says when a stub
// keeps it False (reason NotImplemented), or "".
func NodeNotImplemented(node *corev1.Node) string {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status != corev1.ConditionTrue && c.Reason == exercise.Reason {
			return fmt.Sprintf("node %s: Ready=%s: %s", node.Name, c.Status, c.Message)
		}
	}
	return ""
}

// NodeEventNotImplemented returns the message of a Warning Event
// NotImplemented on the node called name, recorded by component (the
// kubelet, for a stub of its Lease; "" for any, such as the node lifecycle
// controller), or "". Only waits that depend on that component should ask:
// a stub of stage 6 says nothing about a node's kubelet.
func NodeEventNotImplemented(ctx context.Context, name, component string) string {
	// The events of cluster-scoped objects are kept in namespace default.
	return eventNotImplemented(ctx, metav1.NamespaceDefault, name, component)
}

// eventNotImplemented returns the messages of the Warning Events
// NotImplemented of namespace ns (on the object named name, and recorded by
// component, if given), each once, or "": all of them, since an object may
// wait on more than one stub (a node on its kubelet's ReadyCondition and
// RenewLease) and the wait cannot tell which one it needs.
func eventNotImplemented(ctx context.Context, ns, name, component string) string {
	events, err := Client().CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return ""
	}
	var msgs []string
	for _, e := range events.Items {
		if e.Type != corev1.EventTypeWarning || e.Reason != exercise.Reason ||
			(name != "" && e.InvolvedObject.Name != name) || (component != "" && e.Source.Component != component) {
			continue
		}
		o := e.InvolvedObject
		msg := fmt.Sprintf("%s %s: %s", o.Kind, o.Name, e.Message)
		if o.Namespace != "" {
			msg = fmt.Sprintf("%s %s/%s: %s", o.Kind, o.Namespace, o.Name, e.Message)
		}
		if !slices.Contains(msgs, msg) {
			msgs = append(msgs, msg)
		}
	}
	slices.Sort(msgs)
	return strings.Join(msgs, "; ")
}

// StopIfNotImplemented, called from the function an Eventually polls,
// stops the Eventually at once (Gomega's StopTrying) when NotImplemented
// finds a stub behind namespace ns; the failure says what was awaited and
// names the function to write.
func StopIfNotImplemented(ctx context.Context, ns, awaited string) {
	if msg := NotImplemented(ctx, ns); msg != "" {
		StopTrying(stubMessage(awaited, msg)).Now()
	}
}

// StopIfNodeNotImplemented stops the Eventually that calls it when node
// is not Ready because of a stub, or when a Warning Event NotImplemented
// recorded by component ("" for any) is on it.
func StopIfNodeNotImplemented(ctx context.Context, node *corev1.Node, component, awaited string) {
	msg := NodeNotImplemented(node)
	if msg == "" {
		msg = NodeEventNotImplemented(ctx, node.Name, component)
	}
	if msg != "" {
		StopTrying(stubMessage(awaited, msg)).Now()
	}
}

func stubMessage(awaited, msg string) string {
	return fmt.Sprintf("stopped waiting for %s: a learner's function it needs is a stub: %s", awaited, msg)
}

// ReleasePodsOfStub deletes every pod of ns at once (grace period 0) when
// a stub stands behind ns, and reports whether it did: a kubelet whose
// core is a stub never confirms a pod's deletion, so a cleanup that waits
// for pods to go (its own, or a Foreground deletion's) would wait out its
// timeout. Call it from such a wait's polled function.
func ReleasePodsOfStub(ctx context.Context, ns string) bool {
	if NotImplemented(ctx, ns) == "" {
		return false
	}
	err := Client().CoreV1().Pods(ns).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}, metav1.ListOptions{})
	return err == nil
}
