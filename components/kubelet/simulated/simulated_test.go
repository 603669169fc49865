package simulated_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
	"github.com/ownkube/ownkube/components/kubelet/simulated"
)

func TestSimulatedNodesRegisterReadyAndRunTheirPods(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := apiservertest.Start(t, apiservertest.Options{}).Client
	sim, err := simulated.New(simulated.Config{Client: c, Nodes: 5})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Register(ctx); err != nil {
		t.Fatal(err)
	}
	nodes, err := c.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: simulated.LabelSimulated + "=true"})
	if err != nil || len(nodes.Items) != 5 || nodes.Items[0].Status.Conditions[0].Status != corev1.ConditionTrue {
		t.Fatalf("nodes: %v, %v", nodes, err)
	}
	go func() { _ = sim.Run(ctx) }()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{NodeName: sim.NodeName(3),
		Containers: []corev1.Container{{Name: "c", Image: "ownkube/echo"}}}}
	if _, err := c.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		got, err := c.CoreV1().Pods("default").Get(ctx, "p", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status.Phase == corev1.PodRunning && got.Status.ContainerStatuses[0].Ready {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the pod never ran: %+v", got.Status)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
