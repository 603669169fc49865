package apiserver

import (
	"net/netip"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/util/retry"

	"github.com/ownkube/ownkube/e2e/framework"
)

// servedKind is one kind the API server serves, with a minimal valid
// object of it and the defaults a user can see on it.
type servedKind struct {
	gvr        schema.GroupVersionResource
	kind       string
	namespaced bool
	// body is the kind-specific part of a minimal valid object.
	body map[string]any
	// defaults checks what the server filled in that the client left out.
	defaults func(g Gomega, obj *unstructured.Unstructured)
	// terminates is set for a kind whose delete only marks it Terminating:
	// a namespace goes once the namespace controller (stage 6, on the
	// topology of that stage, see namespaces.go) has emptied it.
	terminates bool
}

func (k servedKind) object(name string) *unstructured.Unstructured {
	obj := map[string]any{
		"apiVersion": k.gvr.GroupVersion().String(),
		"kind":       k.kind,
		"metadata":   map[string]any{"name": name},
	}
	for key, v := range k.body {
		obj[key] = v
	}
	return &unstructured.Unstructured{Object: obj}
}

var podSpecBody = map[string]any{
	"schedulerName": noScheduler,
	"containers":    []any{map[string]any{"name": "app", "image": testImage}},
}

func workloadBody() map[string]any {
	return map[string]any{"spec": map[string]any{
		"selector": map[string]any{"matchLabels": map[string]any{"app": "crud"}},
		"template": map[string]any{
			"metadata": map[string]any{"labels": map[string]any{"app": "crud"}},
			"spec":     podSpecBody,
		},
	}}
}

func noDefaults(Gomega, *unstructured.Unstructured) {}

func expectString(g Gomega, obj *unstructured.Unstructured, want string, path ...string) {
	v, found, err := unstructured.NestedString(obj.Object, path...)
	g.Expect(err).NotTo(HaveOccurred(), "%v of %s", path, obj.GetName())
	g.Expect(found).To(BeTrue(), "%v of %s is not set", path, obj.GetName())
	g.Expect(v).To(Equal(want), "%v of %s", path, obj.GetName())
}

func expectInt(g Gomega, obj *unstructured.Unstructured, want int64, path ...string) {
	v, found, err := unstructured.NestedInt64(obj.Object, path...)
	g.Expect(err).NotTo(HaveOccurred(), "%v of %s", path, obj.GetName())
	g.Expect(found).To(BeTrue(), "%v of %s is not set", path, obj.GetName())
	g.Expect(v).To(Equal(want), "%v of %s", path, obj.GetName())
}

var servedKinds = map[string]servedKind{
	"Namespace": {gvr: schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}, kind: "Namespace", terminates: true,
		defaults: func(g Gomega, obj *unstructured.Unstructured) {
			expectString(g, obj, "Active", "status", "phase")
		}},
	"Pod": {gvr: schema.GroupVersionResource{Version: "v1", Resource: "pods"}, kind: "Pod", namespaced: true,
		body: map[string]any{"spec": podSpecBody},
		defaults: func(g Gomega, obj *unstructured.Unstructured) {
			expectString(g, obj, "Always", "spec", "restartPolicy")
			expectString(g, obj, "Pending", "status", "phase")
		}},
	// A node without a kubelet: cordoned and tainted, so that no scheduler
	// of a later stage places a pod on it.
	"Node": {gvr: schema.GroupVersionResource{Version: "v1", Resource: "nodes"}, kind: "Node",
		body: map[string]any{"spec": map[string]any{
			"unschedulable": true,
			"taints":        []any{map[string]any{"key": "e2e.ownkube.io/no-kubelet", "effect": "NoSchedule"}},
		}},
		defaults: noDefaults},
	"Service": {gvr: schema.GroupVersionResource{Version: "v1", Resource: "services"}, kind: "Service", namespaced: true,
		body: map[string]any{"spec": map[string]any{"ports": []any{map[string]any{"port": int64(80)}}}},
		defaults: func(g Gomega, obj *unstructured.Unstructured) {
			expectString(g, obj, "ClusterIP", "spec", "type")
			ip, _, _ := unstructured.NestedString(obj.Object, "spec", "clusterIP")
			addr, err := netip.ParseAddr(ip)
			g.Expect(err).NotTo(HaveOccurred(), "spec.clusterIP %q should be an allocated IP address", ip)
			cidr := netip.MustParsePrefix(framework.Cluster().ServiceCIDR)
			g.Expect(cidr.Contains(addr)).To(BeTrue(), "spec.clusterIP %s should be in the service range %s", ip, cidr)
			ports, _, _ := unstructured.NestedSlice(obj.Object, "spec", "ports")
			g.Expect(ports).To(HaveLen(1))
			port := &unstructured.Unstructured{Object: ports[0].(map[string]any)}
			expectInt(g, port, 80, "targetPort")
			expectString(g, port, "TCP", "protocol")
		}},
	"Endpoints": {gvr: schema.GroupVersionResource{Version: "v1", Resource: "endpoints"}, kind: "Endpoints", namespaced: true,
		body: map[string]any{"subsets": []any{map[string]any{
			"addresses": []any{map[string]any{"ip": "10.0.0.1"}},
			"ports":     []any{map[string]any{"port": int64(80)}},
		}}},
		defaults: noDefaults},
	"Event": {gvr: schema.GroupVersionResource{Version: "v1", Resource: "events"}, kind: "Event", namespaced: true,
		body: map[string]any{
			"involvedObject": map[string]any{"kind": "Pod", "name": "somepod"},
			"reason":         "Testing", "message": "an event of the CRUD spec", "type": "Normal",
		},
		defaults: noDefaults},
	"ConfigMap": {gvr: schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, kind: "ConfigMap", namespaced: true,
		body:     map[string]any{"data": map[string]any{"key": "value"}},
		defaults: noDefaults},
	"Secret": {gvr: schema.GroupVersionResource{Version: "v1", Resource: "secrets"}, kind: "Secret", namespaced: true,
		body: map[string]any{"data": map[string]any{"key": "dmFsdWU="}},
		defaults: func(g Gomega, obj *unstructured.Unstructured) {
			expectString(g, obj, "Opaque", "type")
		}},
	"PodTemplate": {gvr: schema.GroupVersionResource{Version: "v1", Resource: "podtemplates"}, kind: "PodTemplate", namespaced: true,
		body: map[string]any{"template": map[string]any{
			"metadata": map[string]any{"labels": map[string]any{"app": "crud"}},
			"spec":     podSpecBody,
		}},
		defaults: func(g Gomega, obj *unstructured.Unstructured) {
			expectString(g, obj, "Always", "template", "spec", "restartPolicy")
		}},
	"ServiceAccount": {gvr: schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}, kind: "ServiceAccount", namespaced: true,
		defaults: noDefaults},
	"Lease": {gvr: schema.GroupVersionResource{Group: "coordination.k8s.io", Version: "v1", Resource: "leases"}, kind: "Lease", namespaced: true,
		body:     map[string]any{"spec": map[string]any{"holderIdentity": "e2e", "leaseDurationSeconds": int64(15)}},
		defaults: noDefaults},
	"ReplicaSet": {gvr: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}, kind: "ReplicaSet", namespaced: true,
		body: workloadBody(),
		defaults: func(g Gomega, obj *unstructured.Unstructured) {
			expectInt(g, obj, 1, "spec", "replicas")
		}},
	"Deployment": {gvr: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, kind: "Deployment", namespaced: true,
		body: workloadBody(),
		defaults: func(g Gomega, obj *unstructured.Unstructured) {
			expectInt(g, obj, 1, "spec", "replicas")
			expectString(g, obj, "RollingUpdate", "spec", "strategy", "type")
			expectString(g, obj, "Always", "spec", "template", "spec", "restartPolicy")
		}},
}

var _ = Describe("CRUD of every served kind", apiserverLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("crud")
	})

	DescribeTable("should create, get, list, update, patch and delete",
		func(ctx SpecContext, kindName string) {
			k := servedKinds[kindName]
			Expect(k.kind).To(Equal(kindName), "no servedKinds entry for %s", kindName)
			var res dynamic.ResourceInterface = framework.DynamicClient().Resource(k.gvr)
			name := "crud-object"
			if k.namespaced {
				res = framework.DynamicClient().Resource(k.gvr).Namespace(ns)
			} else {
				name = uniqueName("e2e-crud-" + k.gvr.Resource)
				DeferCleanup(func(ctx SpecContext) {
					err := res.Delete(ctx, name, metav1.DeleteOptions{})
					if !apierrors.IsNotFound(err) {
						Expect(err).NotTo(HaveOccurred(), "delete %s %s", k.kind, name)
					}
				}, NodeTimeout(30*time.Second))
			}

			By("creating a " + k.kind)
			created, err := res.Create(ctx, k.object(name), metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred(), "create %s %s", k.kind, name)
			Expect(created.GetName()).To(Equal(name))
			Expect(created.GetKind()).To(Equal(k.kind))
			Expect(created.GetUID()).NotTo(BeEmpty(), "the server should give the object a uid")
			Expect(created.GetResourceVersion()).NotTo(BeEmpty(), "the server should give the object a resourceVersion")
			Expect(created.GetCreationTimestamp().Time.IsZero()).To(BeFalse(), "the server should set creationTimestamp")
			if k.namespaced {
				Expect(created.GetNamespace()).To(Equal(ns))
			}
			k.defaults(Default, created)

			By("getting it")
			got, err := res.Get(ctx, name, metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred(), "get %s %s", k.kind, name)
			Expect(got.GetUID()).To(Equal(created.GetUID()))
			k.defaults(Default, got)

			By("listing it")
			list, err := res.List(ctx, metav1.ListOptions{})
			Expect(err).NotTo(HaveOccurred(), "list %s", k.gvr.Resource)
			Expect(list.GetResourceVersion()).NotTo(BeEmpty(), "a list carries the resourceVersion it was read at")
			var uids []types.UID
			for _, item := range list.Items {
				if item.GetName() == name {
					uids = append(uids, item.GetUID())
				}
			}
			Expect(uids).To(ConsistOf(created.GetUID()), "the list of %s should hold %s once", k.gvr.Resource, name)

			By("updating its labels")
			var updated *unstructured.Unstructured
			// From stage 6 on, controllers write some of these kinds too:
			// an update that lost to one is retried, as clients do.
			err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
				current, err := res.Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				labels := current.GetLabels()
				if labels == nil {
					labels = map[string]string{}
				}
				labels["e2e.ownkube.io/step"] = "updated"
				current.SetLabels(labels)
				updated, err = res.Update(ctx, current, metav1.UpdateOptions{})
				if err == nil {
					Expect(updated.GetResourceVersion()).NotTo(Equal(current.GetResourceVersion()),
						"an update that changes something makes a new resourceVersion")
				}
				return err
			})
			Expect(err).NotTo(HaveOccurred(), "update %s %s", k.kind, name)
			Expect(updated.GetLabels()).To(HaveKeyWithValue("e2e.ownkube.io/step", "updated"))

			By("patching its annotations")
			patched, err := res.Patch(ctx, name, types.MergePatchType,
				[]byte(`{"metadata":{"annotations":{"e2e.ownkube.io/patched":"yes"}}}`), metav1.PatchOptions{})
			Expect(err).NotTo(HaveOccurred(), "merge-patch %s %s", k.kind, name)
			Expect(patched.GetResourceVersion()).NotTo(Equal(updated.GetResourceVersion()))
			Expect(patched.GetAnnotations()).To(HaveKeyWithValue("e2e.ownkube.io/patched", "yes"))
			Expect(patched.GetLabels()).To(HaveKeyWithValue("e2e.ownkube.io/step", "updated"), "the patch should keep the update's label")

			By("reading the update and the patch back")
			got, err = res.Get(ctx, name, metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred())
			Expect(got.GetLabels()).To(HaveKeyWithValue("e2e.ownkube.io/step", "updated"))
			Expect(got.GetAnnotations()).To(HaveKeyWithValue("e2e.ownkube.io/patched", "yes"))
			k.defaults(Default, got)

			By("deleting it")
			Expect(res.Delete(ctx, name, metav1.DeleteOptions{})).To(Succeed(), "delete %s %s", k.kind, name)
			Eventually(ctx, func(g Gomega) {
				obj, err := res.Get(ctx, name, metav1.GetOptions{})
				if k.terminates && err == nil {
					g.Expect(obj.GetDeletionTimestamp()).NotTo(BeNil(), "a deleted %s should be gone or marked for deletion", k.kind)
					return
				}
				g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "get after delete: %v", err)
				list, err := res.List(ctx, metav1.ListOptions{})
				g.Expect(err).NotTo(HaveOccurred())
				for _, item := range list.Items {
					g.Expect(item.GetName()).NotTo(Equal(name), "the list still holds the deleted object")
				}
			}).WithTimeout(waitTimeout).WithPolling(poll).Should(Succeed(), "waiting for %s %s to be gone", k.kind, name)
		},
		entry("of a Namespace", "Namespace"),
		entry("of a Pod", "Pod"),
		// Serial: a node is seen cluster-wide, by the schedulers and the
		// node counts of later stages' specs.
		entry("of a Node", "Node", Serial),
		entry("of a Service", "Service"),
		entry("of an Endpoints", "Endpoints"),
		entry("of an Event", "Event"),
		entry("of a ConfigMap", "ConfigMap"),
		entry("of a Secret", "Secret"),
		entry("of a PodTemplate", "PodTemplate"),
		entry("of a ServiceAccount", "ServiceAccount"),
		entry("of a Lease", "Lease"),
		entry("of a ReplicaSet", "ReplicaSet"),
		entry("of a Deployment", "Deployment"),
	)
})
