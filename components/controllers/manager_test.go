package controllers_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
	"github.com/ownkube/ownkube/components/controllers"
)

// start runs an API server on etcd and the named controllers against it,
// all in this process, until the test ends.
func start(t *testing.T, names ...string) kubernetes.Interface {
	t.Helper()
	srv := apiservertest.Start(t, apiservertest.Options{})
	dyn, err := dynamic.NewForConfig(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	m, err := controllers.New(controllers.Config{Client: srv.Client, Dynamic: dyn, Controllers: names,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("controller-manager: %v", err)
		}
	})
	return srv.Client
}

func TestPropagationPoliciesTreatDependentsAsKubernetesDoes(t *testing.T) {
	ctx, c := context.Background(), start(t, "garbagecollector")
	for _, policy := range []metav1.DeletionPropagation{metav1.DeletePropagationBackground, metav1.DeletePropagationForeground, metav1.DeletePropagationOrphan} {
		t.Run(string(policy), func(t *testing.T) {
			rs := ownerWithDependent(t, c, "rs-"+strings.ToLower(string(policy)))
			must(t, c.AppsV1().ReplicaSets("default").Delete(ctx, rs.Name, metav1.DeleteOptions{PropagationPolicy: &policy}))
			eventually(t, "the owner is gone", func() bool {
				_, err := c.AppsV1().ReplicaSets("default").Get(ctx, rs.Name, metav1.GetOptions{})
				return apierrors.IsNotFound(err)
			})
			eventually(t, "the dependent is treated by the policy", func() bool {
				dep, err := c.CoreV1().Pods("default").Get(ctx, rs.Name+"-dep", metav1.GetOptions{})
				if policy == metav1.DeletePropagationOrphan {
					return err == nil && len(dep.OwnerReferences) == 0
				}
				return apierrors.IsNotFound(err)
			})
		})
	}
}

func TestADependentWithAnotherOwnerLeftOnlyLosesTheDanglingReference(t *testing.T) {
	ctx, c := context.Background(), start(t, "garbagecollector")
	a := ownerWithDependent(t, c, "owner-a")
	b, err := c.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "owner-b"}}, metav1.CreateOptions{})
	must(t, err)
	dep, err := c.CoreV1().Pods("default").Get(ctx, "owner-a-dep", metav1.GetOptions{})
	must(t, err)
	dep.OwnerReferences = append(dep.OwnerReferences, metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: b.Name, UID: b.UID})
	_, err = c.CoreV1().Pods("default").Update(ctx, dep, metav1.UpdateOptions{})
	must(t, err)

	must(t, c.AppsV1().ReplicaSets("default").Delete(ctx, a.Name, metav1.DeleteOptions{}))
	eventually(t, "the dependent names only the owner left", func() bool {
		dep, err := c.CoreV1().Pods("default").Get(ctx, "owner-a-dep", metav1.GetOptions{})
		return err == nil && len(dep.OwnerReferences) == 1 && dep.OwnerReferences[0].UID == b.UID
	})
}

func TestADependentCreatedAfterItsOwnerWentIsCollected(t *testing.T) {
	ctx, c := context.Background(), start(t, "garbagecollector")
	pod := newPod("late")
	pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "never-was", UID: "4f7c1b2e-0000-4000-8000-000000000000"}}
	_, err := c.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
	must(t, err)
	eventually(t, "the pod whose owner does not exist is deleted", func() bool {
		_, err := c.CoreV1().Pods("default").Get(ctx, "late", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
}

func TestAnOwnedObjectWhoseOwnerLivesIsKept(t *testing.T) {
	ctx, c := context.Background(), start(t, "garbagecollector")
	ownerWithDependent(t, c, "alive")
	time.Sleep(time.Second) // a collector that deleted it would have done so by now
	if _, err := c.CoreV1().Pods("default").Get(ctx, "alive-dep", metav1.GetOptions{}); err != nil {
		t.Fatalf("the dependent of a live owner: %v, want it kept", err)
	}
}

func TestADeletedNamespaceIsEmptiedThenRemoved(t *testing.T) {
	ctx, c := context.Background(), start(t, "namespace")
	_, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "doomed"}}, metav1.CreateOptions{})
	must(t, err)
	_, err = c.CoreV1().ConfigMaps("doomed").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm"}}, metav1.CreateOptions{})
	must(t, err)
	_, err = c.CoreV1().Pods("doomed").Create(ctx, newPod("pod"), metav1.CreateOptions{})
	must(t, err)
	held := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "held", Finalizers: []string{"example.com/hold"}}}
	_, err = c.CoreV1().ConfigMaps("doomed").Create(ctx, held, metav1.CreateOptions{})
	must(t, err)

	must(t, c.CoreV1().Namespaces().Delete(ctx, "doomed", metav1.DeleteOptions{}))
	eventually(t, "the namespace's free contents are deleted", func() bool {
		cms, err1 := c.CoreV1().ConfigMaps("doomed").List(ctx, metav1.ListOptions{})
		pods, err2 := c.CoreV1().Pods("doomed").List(ctx, metav1.ListOptions{})
		return err1 == nil && err2 == nil && len(pods.Items) == 0 && len(cms.Items) == 1 && cms.Items[0].DeletionTimestamp != nil
	})
	ns, err := c.CoreV1().Namespaces().Get(ctx, "doomed", metav1.GetOptions{})
	if err != nil || ns.Status.Phase != corev1.NamespaceTerminating {
		t.Fatalf("while a finalizer holds an object in it the namespace must stay Terminating: %v, %v", ns.Status.Phase, err)
	}
	_, err = c.CoreV1().ConfigMaps("doomed").Patch(ctx, "held", "application/merge-patch+json", []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
	must(t, err)
	eventually(t, "the emptied namespace is removed", func() bool {
		_, err := c.CoreV1().Namespaces().Get(ctx, "doomed", metav1.GetOptions{})
		return apierrors.IsNotFound(err)
	})
}

func ownerWithDependent(t *testing.T, c kubernetes.Interface, name string) *appsv1.ReplicaSet {
	t.Helper()
	ctx := context.Background()
	labels := map[string]string{"app": name}
	rs, err := c.AppsV1().ReplicaSets("default").Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](0), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: newPod("").Spec}},
	}, metav1.CreateOptions{})
	must(t, err)
	pod := newPod(name + "-dep")
	pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID}}
	_, err = c.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
	must(t, err)
	return rs
}

func newPod(name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "ownkube/echo"}}}}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestEveryActiveNamespaceGetsItsDefaultServiceAccountBack(t *testing.T) {
	ctx, c := context.Background(), start(t, "serviceaccount")
	_, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}, metav1.CreateOptions{})
	must(t, err)
	for _, ns := range []string{"default", "kube-system", "team"} {
		eventually(t, "namespace "+ns+" has ServiceAccount default", func() bool {
			_, err := c.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
			return err == nil
		})
	}
	must(t, c.CoreV1().ServiceAccounts("team").Delete(ctx, "default", metav1.DeleteOptions{}))
	eventually(t, "a deleted default ServiceAccount is made again", func() bool {
		sa, err := c.CoreV1().ServiceAccounts("team").Get(ctx, "default", metav1.GetOptions{})
		return err == nil && sa.DeletionTimestamp == nil
	})
}
