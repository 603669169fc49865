package garbagecollector

import (
	"context"
	"io"
	"log/slog"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	dynamicfake "k8s.io/client-go/dynamic/fake"

	"github.com/ownkube/ownkube/components/controllers/controller"
)

var (
	rsGVR  = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}
	podGVR = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
)

// The informers of owner and dependent are separate streams: a pod created
// just before its owner's deletion can reach the graph after the owner does.
// These tests hold the collector in that moment — the owner in the graph, its
// dependent only in the API — where releasing the owner on the graph's word
// would lose what the policy promises.

func TestAForegroundOwnerWaitsForADependentTheGraphHasNotSeen(t *testing.T) {
	gc, owner := lagging(t, metav1.FinalizerDeleteDependents)
	// The sync asks to look again while a dependent remains (a requeue,
	// which is an error to the loop); what matters is what it left.
	err := gc.sync(context.Background(), string(owner.ref.uid))
	t.Logf("sync the owner: %v", err)
	rs := get(t, gc, rsGVR, "owner")
	if !hasFinalizer(rs, metav1.FinalizerDeleteDependents) {
		t.Errorf("the owner lost its %s finalizer while its dependent still exists", metav1.FinalizerDeleteDependents)
	}
	if _, err := gc.dynamic.Resource(podGVR).Namespace("ns").Get(context.Background(), "dependent", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the dependent of a Foreground deletion: %v, want it deleted", err)
	}
}

func TestAnOrphaningOwnerReleasesADependentTheGraphHasNotSeen(t *testing.T) {
	gc, owner := lagging(t, metav1.FinalizerOrphanDependents)
	if err := gc.sync(context.Background(), string(owner.ref.uid)); err != nil {
		t.Fatalf("sync the owner: %v", err)
	}
	pod := get(t, gc, podGVR, "dependent")
	if refs := pod.GetOwnerReferences(); len(refs) != 0 {
		t.Errorf("the orphaned dependent still names %v; it would be collected once its owner is gone", refs)
	}
	if rs := get(t, gc, rsGVR, "owner"); hasFinalizer(rs, metav1.FinalizerOrphanDependents) {
		t.Errorf("the owner keeps its %s finalizer after orphaning its dependents", metav1.FinalizerOrphanDependents)
	}
}

// lagging returns a collector whose API holds a ReplicaSet being deleted
// with finalizer and a pod naming it, and whose graph has seen only the
// ReplicaSet.
func lagging(t *testing.T, finalizer string) (*Collector, node) {
	t.Helper()
	now := metav1.Now()
	rs := &unstructured.Unstructured{}
	rs.SetAPIVersion("apps/v1")
	rs.SetKind("ReplicaSet")
	rs.SetNamespace("ns")
	rs.SetName("owner")
	rs.SetUID("rs-uid")
	rs.SetDeletionTimestamp(&now)
	rs.SetFinalizers([]string{finalizer})
	pod := &unstructured.Unstructured{}
	pod.SetAPIVersion("v1")
	pod.SetKind("Pod")
	pod.SetNamespace("ns")
	pod.SetName("dependent")
	pod.SetUID("pod-uid")
	pod.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "owner", UID: types.UID("rs-uid")}})

	client := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{rsGVR: "ReplicaSetList", podGVR: "PodList"}, rs, pod)
	gc := &Collector{
		dynamic: client,
		graph:   newGraph(),
		byKind: map[schema.GroupVersionKind]controller.Resource{
			{Group: "apps", Version: "v1", Kind: "ReplicaSet"}: {GroupVersionResource: rsGVR, Kind: "ReplicaSet", Namespaced: true},
			{Version: "v1", Kind: "Pod"}:                       {GroupVersionResource: podGVR, Kind: "Pod", Namespaced: true},
		},
		log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	n, _ := nodeOf(rsGVR, rs)
	gc.graph.upsert(n)
	return gc, *n
}

func get(t *testing.T, gc *Collector, gvr schema.GroupVersionResource, name string) *unstructured.Unstructured {
	t.Helper()
	obj, err := gc.dynamic.Resource(gvr).Namespace("ns").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get %s %s: %v", gvr.Resource, name, err)
	}
	return obj
}

func hasFinalizer(obj *unstructured.Unstructured, f string) bool {
	for _, x := range obj.GetFinalizers() {
		if x == f {
			return true
		}
	}
	return false
}
