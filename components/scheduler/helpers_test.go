package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
	"github.com/ownkube/ownkube/components/scheduler"
)

// waitTimeout bounds every wait for the scheduler to act.
const waitTimeout = 20 * time.Second

// cluster is an API server, and a scheduler once runScheduler is called.
type cluster struct {
	ctx    context.Context
	client kubernetes.Interface
}

// start starts an API server over embedded etcd; it stops when t ends.
func start(t *testing.T) *cluster {
	t.Helper()
	srv := apiservertest.Start(t, apiservertest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return &cluster{ctx: ctx, client: srv.Client}
}

// runScheduler starts a scheduler with short back-offs; it stops when t
// ends. Nodes added before it starts are known to it before its first
// decision: the informers of pods and nodes are two streams, and a node
// whose status was written just before a pod was created may otherwise
// still look not Ready when the pod is decided.
func (c *cluster) runScheduler(t *testing.T) {
	t.Helper()
	s, err := scheduler.New(scheduler.Config{
		Client:         c.client,
		Logger:         slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
		InitialBackoff: 50 * time.Millisecond,
		MaxBackoff:     500 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("new scheduler: %v", err)
	}
	ctx, cancel := context.WithCancel(c.ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("scheduler Run: %v", err)
		}
	})
}

// addNode creates a Ready node with the given allocatable cpu, memory and
// pods, and labels.
func (c *cluster) addNode(t *testing.T, name, cpu, memory string, pods int, labels map[string]string) {
	t.Helper()
	n, err := c.client.CoreV1().Nodes().Create(c.ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create node %s: %v", name, err)
	}
	resources := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(cpu),
		corev1.ResourceMemory: resource.MustParse(memory),
		corev1.ResourcePods:   *resource.NewQuantity(int64(pods), resource.DecimalSI),
	}
	n.Status = corev1.NodeStatus{
		Capacity:    resources,
		Allocatable: resources,
		Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady"}},
	}
	if _, err := c.client.CoreV1().Nodes().UpdateStatus(c.ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("set the status of node %s: %v", name, err)
	}
}

// addPod creates a pod in default with one container requesting cpu and
// memory.
func (c *cluster) addPod(t *testing.T, name, cpu, memory string, opts ...func(*corev1.Pod)) *corev1.Pod {
	t.Helper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "pause:1",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory),
			}},
		}}},
	}
	for _, o := range opts {
		o(p)
	}
	created, err := c.client.CoreV1().Pods("default").Create(c.ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s: %v", name, err)
	}
	return created
}

func ownedBy(uid types.UID) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web", UID: uid, Controller: new(true)}}
	}
}

// waitFor polls cond until it holds, failing t with what was awaited after
// waitTimeout. cond's error is the latest news, not a reason to stop.
func (c *cluster) waitFor(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(c.ctx, 20*time.Millisecond, waitTimeout, true, func(context.Context) (bool, error) {
		ok, err := cond()
		last = err
		return ok && err == nil, nil
	})
	if err != nil {
		t.Fatalf("waited %s for %s: %v (last: %v)", waitTimeout, what, err, last)
	}
}

// nodeOf waits until the pod is bound and returns its node.
func (c *cluster) nodeOf(t *testing.T, name string) string {
	t.Helper()
	var node string
	c.waitFor(t, "pod "+name+" to be bound", func() (bool, error) {
		p, err := c.client.CoreV1().Pods("default").Get(c.ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		node = p.Spec.NodeName
		if node == "" {
			return false, fmt.Errorf("pod %s is unbound, conditions %+v", name, p.Status.Conditions)
		}
		return true, nil
	})
	return node
}

// unschedulable waits until the pod says, on its PodScheduled condition,
// that it fits nowhere, and returns the condition's message.
func (c *cluster) unschedulable(t *testing.T, name string) string {
	t.Helper()
	var msg string
	c.waitFor(t, "pod "+name+" to be reported Unschedulable", func() (bool, error) {
		p, err := c.client.CoreV1().Pods("default").Get(c.ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if p.Spec.NodeName != "" {
			t.Fatalf("pod %s was bound to %s; want it left Pending", name, p.Spec.NodeName)
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionFalse && cond.Reason == corev1.PodReasonUnschedulable {
				msg = cond.Message
				return true, nil
			}
		}
		return false, errors.New("no PodScheduled=False/Unschedulable condition yet")
	})
	return msg
}
