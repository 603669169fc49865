//go:build solutions

package replicaset_test

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
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
	"github.com/ownkube/ownkube/components/controllers"
)

// start runs an API server and a controller-manager with only the
// ReplicaSet controller, until the test ends.
func start(t *testing.T) (context.Context, kubernetes.Interface) {
	t.Helper()
	s := apiservertest.Start(t, apiservertest.Options{})
	m, err := controllers.New(controllers.Config{Client: s.Client, Controllers: []string{"replicaset"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	done := make(chan error)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
	return ctx, s.Client
}

func newRS(name string, replicas int32) *appsv1.ReplicaSet {
	labels := map[string]string{"app": name}
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "ownkube/echo:latest"}}}},
		},
	}
}

// await polls cond every 50ms until it holds or 20s pass.
func await(t *testing.T, ctx context.Context, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v (last: %s)", what, ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("timed out waiting for %s; last: %s", what, last)
}

// owned lists the active pods rs controls.
func owned(ctx context.Context, c kubernetes.Interface, rs *appsv1.ReplicaSet) []corev1.Pod {
	list, err := c.CoreV1().Pods(rs.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if ref := metav1.GetControllerOf(&p); ref != nil && ref.UID == rs.UID && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

func podCount(ctx context.Context, c kubernetes.Interface, rs *appsv1.ReplicaSet, want int) func() (bool, string) {
	return func() (bool, string) {
		n := len(owned(ctx, c, rs))
		return n == want, fmt.Sprintf("%d pods", n)
	}
}

func TestReplicaSetCreatesItsPodsAndScales(t *testing.T) {
	ctx, c := start(t)
	rs, err := c.AppsV1().ReplicaSets("default").Create(ctx, newRS("web", 3), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	await(t, ctx, "3 pods", podCount(ctx, c, rs, 3))
	for _, p := range owned(ctx, c, rs) {
		ref := metav1.GetControllerOf(&p)
		if ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion || p.Labels["app"] != "web" || p.GenerateName != "web-" {
			t.Errorf("pod %s: ref %+v labels %v generateName %q", p.Name, ref, p.Labels, p.GenerateName)
		}
	}
	await(t, ctx, "status.replicas 3", func() (bool, string) {
		cur, err := c.AppsV1().ReplicaSets("default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return cur.Status.Replicas == 3 && cur.Status.FullyLabeledReplicas == 3 && cur.Status.ObservedGeneration == cur.Generation,
			fmt.Sprintf("%+v", cur.Status)
	})

	if _, err := c.AppsV1().ReplicaSets("default").Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":1}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	await(t, ctx, "1 pod after scaling down", podCount(ctx, c, rs, 1))
	// Stays at one: no double delete or re-create while the informer catches up.
	time.Sleep(500 * time.Millisecond)
	if n := len(owned(ctx, c, rs)); n != 1 {
		t.Errorf("%d pods half a second after scaling to 1", n)
	}
}

// A pod that failed no longer serves: its ReplicaSet must start another,
// or a crash would leave it one replica short for good.
func TestAFailedPodIsReplaced(t *testing.T) {
	ctx, c := start(t)
	rs, err := c.AppsV1().ReplicaSets("default").Create(ctx, newRS("web", 1), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	await(t, ctx, "1 pod", podCount(ctx, c, rs, 1))
	failed := owned(ctx, c, rs)[0]
	failed.Status.Phase = corev1.PodFailed
	if _, err := c.CoreV1().Pods("default").UpdateStatus(ctx, &failed, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	await(t, ctx, "a replacement of the failed pod "+failed.Name, func() (bool, string) {
		var names []string
		for _, p := range owned(ctx, c, rs) {
			if p.Status.Phase != corev1.PodFailed {
				return true, ""
			}
			names = append(names, p.Name+" "+string(p.Status.Phase))
		}
		return false, fmt.Sprintf("owned pods: %v", names)
	})
}

// Scaling down gives up the pods that cost least to lose: one still
// Pending goes before one that runs and is ready (kube's ActivePods order).
func TestScalingDownDeletesAPendingPodBeforeARunningOne(t *testing.T) {
	ctx, c := start(t)
	rs, err := c.AppsV1().ReplicaSets("default").Create(ctx, newRS("web", 2), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	await(t, ctx, "2 pods", podCount(ctx, c, rs, 2))
	running := owned(ctx, c, rs)[0]
	running.Status.Phase = corev1.PodRunning
	running.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}
	if _, err := c.CoreV1().Pods("default").UpdateStatus(ctx, &running, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The ReplicaSet counts the pod ready once its cache has the new status,
	// which the scale-down below must be decided on.
	await(t, ctx, "status.readyReplicas 1", func() (bool, string) {
		cur, err := c.AppsV1().ReplicaSets("default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return cur.Status.ReadyReplicas == 1, fmt.Sprintf("%+v", cur.Status)
	})
	if _, err := c.AppsV1().ReplicaSets("default").Patch(ctx, "web", types.MergePatchType, []byte(`{"spec":{"replicas":1}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	await(t, ctx, "1 pod after scaling down", podCount(ctx, c, rs, 1))
	if left := owned(ctx, c, rs)[0]; left.Name != running.Name {
		t.Errorf("scaling down kept pod %s (phase %q) and deleted the Running, Ready pod %s", left.Name, left.Status.Phase, running.Name)
	}
}

func TestReplicaSetAdoptsMatchingOrphansAndReleasesPodsThatStopMatching(t *testing.T) {
	ctx, c := start(t)
	orphan := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "orphan", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "ownkube/echo:latest"}}}}
	if _, err := c.CoreV1().Pods("default").Create(ctx, orphan, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rs, err := c.AppsV1().ReplicaSets("default").Create(ctx, newRS("web", 2), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	await(t, ctx, "2 pods, the orphan adopted", func() (bool, string) {
		pods := owned(ctx, c, rs)
		adopted := false
		for _, p := range pods {
			adopted = adopted || p.Name == "orphan"
		}
		return len(pods) == 2 && adopted, fmt.Sprintf("%d pods, orphan adopted %v", len(pods), adopted)
	})
	if _, err := c.CoreV1().Pods("default").Patch(ctx, "orphan", types.MergePatchType, []byte(`{"metadata":{"labels":{"app":"other"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	await(t, ctx, "the relabelled pod released and replaced", func() (bool, string) {
		p, err := c.CoreV1().Pods("default").Get(ctx, "orphan", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		n := len(owned(ctx, c, rs))
		return metav1.GetControllerOf(p) == nil && n == 2, fmt.Sprintf("refs %v, %d owned", p.OwnerReferences, n)
	})
}
