package scheduler

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

// TestABindingRefusedWith409IsDroppedNotRetried: when another scheduler
// bound the pod first, the assumption is forgotten and nothing is queued.
func TestABindingRefusedWith409IsDroppedNotRetried(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv := apiservertest.Start(t, apiservertest.Options{})
	s, err := New(Config{Client: srv.Client, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.queue.ShutDown()
	pod, err := srv.Client.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "raced"},
		Spec:       corev1.PodSpec{NodeName: "elsewhere", Containers: []corev1.Container{{Name: "app", Image: "pause:1"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	unbound := pod.DeepCopy()
	unbound.Spec.NodeName = "" // what the informer showed before the other binding
	s.cluster.assume(unbound, "here")
	s.bind(ctx, "default/raced", unbound, "here")
	if s.cluster.counted(pod.UID) {
		t.Fatal("the pod is still assumed on node here after a 409")
	}
	if n := s.queue.Len(); n != 0 {
		t.Fatalf("%d keys queued after a 409, want none", n)
	}
	got, err := srv.Client.CoreV1().Pods("default").Get(ctx, "raced", metav1.GetOptions{})
	if err != nil || got.Spec.NodeName != "elsewhere" {
		t.Fatalf("pod on %q (%v), want it left on elsewhere", got.Spec.NodeName, err)
	}
}
