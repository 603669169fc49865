package scheduler_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
	"github.com/ownkube/ownkube/components/scheduler"
)

// BenchmarkSchedulerThroughput1000Nodes measures the whole shell in
// process: b.N pending pods and 1,000 Ready nodes are created first, then
// the scheduler starts, and the clock runs until the last pod is seen bound
// through the API (informer sync, decisions and bindings). The target is
// ≥ 1,000 pods/s; run it at the benchmark's size with
//
//	go test -tags solutions -run '^$' -bench Throughput -benchtime 10000x ./components/scheduler/
func BenchmarkSchedulerThroughput1000Nodes(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	srv := apiservertest.Start(b, apiservertest.Options{})
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	must(inParallel(1000, func(i int) error { return createReadyNode(ctx, srv.Client, fmt.Sprintf("node-%04d", i)) }))
	must(inParallel(b.N, func(i int) error {
		_, err := srv.Client.CoreV1().Pods("default").Create(ctx, benchPod(fmt.Sprintf("pod-%06d", i)), metav1.CreateOptions{})
		return err
	}))

	var bound atomic.Int64
	done := make(chan struct{})
	factory := informers.NewSharedInformerFactory(srv.Client, 0)
	_, err := factory.Core().V1().Pods().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(old, obj any) {
			if old.(*corev1.Pod).Spec.NodeName == "" && obj.(*corev1.Pod).Spec.NodeName != "" && bound.Add(1) == int64(b.N) {
				close(done)
			}
		},
	})
	must(err)
	watching, stopWatching := context.WithCancel(ctx)
	factory.Start(watching.Done())
	defer func() {
		stopWatching()
		factory.Shutdown()
	}()
	factory.WaitForCacheSync(ctx.Done())

	s, err := scheduler.New(scheduler.Config{Client: srv.Client, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(err)
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	b.ResetTimer()
	go func() { ran <- s.Run(runCtx) }()
	select {
	case <-done:
	case <-ctx.Done():
		b.Fatalf("only %d of %d pods bound", bound.Load(), b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pods/s")
	stop()
	must(<-ran)
}

func inParallel(n int, f func(i int) error) error {
	var g errgroup.Group
	g.SetLimit(32)
	for i := range n {
		g.Go(func() error { return f(i) })
	}
	return g.Wait()
}

// createReadyNode creates a node of 16 cpus, 64Gi and 110 pods, Ready.
func createReadyNode(ctx context.Context, client kubernetes.Interface, name string) error {
	n, err := client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		return err
	}
	resources := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("16"),
		corev1.ResourceMemory: resource.MustParse("64Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	n.Status = corev1.NodeStatus{Capacity: resources, Allocatable: resources,
		Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}
	_, err = client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
	return err
}

// benchPod is a small pod, as the density tests of kube-scheduler use.
func benchPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "pause:1",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi"),
			}},
		}}},
	}
}
