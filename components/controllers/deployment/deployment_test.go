//go:build solutions

package deployment_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
	"github.com/ownkube/ownkube/components/controllers"
	"github.com/ownkube/ownkube/components/controllers/deployment"
)

// start runs an API server, the ReplicaSet and Deployment controllers and
// a stand-in for the kubelets that makes every pod Running and Ready at
// once, until the test ends.
func start(t *testing.T) (context.Context, kubernetes.Interface) {
	t.Helper()
	s := apiservertest.Start(t, apiservertest.Options{})
	m, err := controllers.New(controllers.Config{Client: s.Client, Controllers: []string{"replicaset", "deployment"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	done := make(chan error, 2)
	go func() { done <- m.Run(ctx) }()
	go func() { done <- readyPods(ctx, s.Client) }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			if err := <-done; err != nil && ctx.Err() == nil {
				t.Errorf("background: %v", err)
			}
		}
	})
	return ctx, s.Client
}

// readyPods marks every new pod of namespace default Running and Ready.
func readyPods(ctx context.Context, c kubernetes.Interface) error {
	w, err := c.CoreV1().Pods("default").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		pod, ok := ev.Object.(*corev1.Pod)
		if !ok || ev.Type != watch.Added {
			continue
		}
		now := metav1.Now()
		pod.Spec.NodeName = "node-1"
		pod.Status.Phase = corev1.PodRunning
		pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}}
		_, _ = c.CoreV1().Pods("default").UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	}
	return nil
}

func newDeployment(name string, replicas int32, image string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxSurge: ptr.To(intstr.FromInt32(1)), MaxUnavailable: ptr.To(intstr.FromInt32(1))}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}}},
		},
	}
}

func await(t *testing.T, ctx context.Context, what string, cond func() (bool, string)) {
	t.Helper()
	var last string
	for {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v; last: %s", what, ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func complete(ctx context.Context, c kubernetes.Interface, name string) func() (bool, string) {
	return func() (bool, string) {
		d, err := c.AppsV1().Deployments("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		s := d.Status
		var progressing string
		for _, cond := range s.Conditions {
			if cond.Type == appsv1.DeploymentProgressing {
				progressing = cond.Reason
			}
		}
		n := *d.Spec.Replicas
		return s.ObservedGeneration == d.Generation && s.UpdatedReplicas == n && s.Replicas == n && s.AvailableReplicas == n &&
			progressing == deployment.NewRSAvailableReason, fmt.Sprintf("generation %d %+v", d.Generation, s)
	}
}

func replicaSets(ctx context.Context, c kubernetes.Interface) []appsv1.ReplicaSet {
	list, _ := c.AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{})
	return list.Items
}

func TestRollingUpdateStaysWithinSurgeAndUnavailability(t *testing.T) {
	ctx, c := start(t)
	d, err := c.AppsV1().Deployments("default").Create(ctx, newDeployment("web", 4, "ownkube/echo:1"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	await(t, ctx, "the first rollout", complete(ctx, c, "web"))
	rss := replicaSets(ctx, c)
	if len(rss) != 1 {
		t.Fatalf("%d ReplicaSets after the first rollout, want 1", len(rss))
	}
	first := rss[0]
	hash := first.Labels[appsv1.DefaultDeploymentUniqueLabelKey]
	if first.Name != "web-"+hash || first.Annotations[deployment.RevisionAnnotation] != "1" || first.Spec.Selector.MatchLabels[appsv1.DefaultDeploymentUniqueLabelKey] != hash {
		t.Errorf("first ReplicaSet: name %s labels %v annotations %v", first.Name, first.Labels, first.Annotations)
	}

	// Watch pods through the rollout: never more than 4+1, never fewer
	// than 4-1 ready.
	w, err := c.CoreV1().Pods("default").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := c.AppsV1().Deployments("default").Patch(ctx, "web", types.MergePatchType,
		[]byte(`{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"ownkube/echo:2"}]}}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := map[types.UID]*corev1.Pod{}
	maxPods, minReady := 0, 100
	deadline := time.After(30 * time.Second)
	for done := false; !done; {
		select {
		case ev := <-w.ResultChan():
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			if ev.Type == watch.Deleted || pod.DeletionTimestamp != nil {
				delete(pods, pod.UID)
			} else {
				pods[pod.UID] = pod
			}
			ready := 0
			for _, p := range pods {
				for _, cond := range p.Status.Conditions {
					if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue {
						ready++
					}
				}
			}
			if len(pods) >= 4 { // once the watch has seen every pod
				maxPods, minReady = max(maxPods, len(pods)), min(minReady, ready)
			}
		case <-time.After(100 * time.Millisecond):
			ok, _ := complete(ctx, c, "web")()
			done = ok
		case <-deadline:
			ok, state := complete(ctx, c, "web")()
			t.Fatalf("rollout not complete after 30s: %v %s", ok, state)
		}
	}
	if maxPods > 5 || minReady < 3 {
		t.Errorf("rollout ran up to %d pods (max 5) and down to %d ready (min 3)", maxPods, minReady)
	}
	t.Logf("the rollout ran up to %d pods and down to %d ready", maxPods, minReady)
	rss = replicaSets(ctx, c)
	var scaled []string
	for _, rs := range rss {
		if *rs.Spec.Replicas > 0 {
			scaled = append(scaled, rs.Name+"="+rs.Annotations[deployment.RevisionAnnotation])
		}
	}
	if len(rss) != 2 || len(scaled) != 1 || scaled[0] == first.Name+"=1" {
		t.Errorf("after the rollout: %d ReplicaSets, scaled up: %v", len(rss), scaled)
	}
	d, _ = c.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{})
	if d.Annotations[deployment.RevisionAnnotation] != "2" {
		t.Errorf("Deployment revision %q, want 2", d.Annotations[deployment.RevisionAnnotation])
	}
}
