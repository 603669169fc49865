package apiserver

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ownkube/ownkube/components/api"
)

// quotaLocks is how many locks hold pod creation in namespaces with a
// ResourceQuota, from the check to the write, so two creates racing for
// the last unit of a quota cannot both win. Namespaces hash onto a fixed
// set (k8s.io/utils' keymutex), so the set does not grow with every
// namespace ever seen; two namespaces sharing a lock only wait for each
// other's admission. kube-apiserver gets the same from a compare-and-swap
// on the quota's status.used, which the kit's single API server does not
// need.
const quotaLocks = 32

// quotaResources are the resources of a quota's hard limits that admission
// enforces for pods, as kube's ResourceQuota admission does for them; the
// others a quota may name are stored and not enforced.
var quotaResources = []corev1.ResourceName{
	corev1.ResourcePods, "count/pods",
	corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory, corev1.ResourceCPU, corev1.ResourceMemory,
	corev1.ResourceLimitsCPU, corev1.ResourceLimitsMemory,
}

// admitQuota checks a new pod against every ResourceQuota of its
// namespace: the pods it would count and the requests and limits it would
// add must fit under each hard limit, and a quota on requests or limits
// needs the pod to state them. It returns a function to call once the pod
// is stored (or not), which ends the namespace's hold.
func (s *Server) admitQuota(ctx context.Context, r api.Resource, pod *corev1.Pod) (func(), error) {
	quotas, err := s.listCore(ctx, "resourcequotas", pod.Namespace)
	if err != nil || len(quotas) == 0 {
		return func() {}, err
	}
	s.quotaLock.LockKey(pod.Namespace)
	unlock := func() { _ = s.quotaLock.UnlockKey(pod.Namespace) } // a hashed KeyMutex never errs
	pods, err := s.listCore(ctx, "pods", pod.Namespace)
	if err != nil {
		unlock()
		return nil, err
	}
	used := corev1.ResourceList{}
	for _, obj := range pods {
		if p := obj.(*corev1.Pod); !terminal(p) {
			addTo(used, podUsage(p))
		}
	}
	requested := podUsage(pod)
	for _, obj := range quotas {
		if err := checkQuota(obj.(*corev1.ResourceQuota), requested, used); err != nil {
			unlock()
			return nil, apierrors.NewForbidden(r.GroupResource(), pod.Name, err)
		}
	}
	return unlock, nil
}

func (s *Server) listCore(ctx context.Context, plural, namespace string) ([]runtime.Object, error) {
	r, _ := api.Lookup(schema.GroupVersionResource{Version: "v1", Resource: plural})
	items, _, err := s.store.List(ctx, r, namespace, 0)
	return items, err
}

func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// checkQuota is the verdict of one quota, worded as kube-apiserver's.
func checkQuota(q *corev1.ResourceQuota, requested, used corev1.ResourceList) error {
	var missing, reqs, useds, limits []string
	for _, name := range quotaResources {
		hard, ok := q.Spec.Hard[name]
		if !ok {
			continue
		}
		req, stated := requested[name]
		if !stated {
			missing = append(missing, string(name))
			continue
		}
		total := used[name].DeepCopy()
		total.Add(req)
		if total.Cmp(hard) > 0 {
			had := used[name]
			reqs = append(reqs, fmt.Sprintf("%s=%s", name, req.String()))
			useds = append(useds, fmt.Sprintf("%s=%s", name, had.String()))
			limits = append(limits, fmt.Sprintf("%s=%s", name, hard.String()))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("failed quota: %s: must specify %s", q.Name, strings.Join(missing, ","))
	}
	if len(reqs) > 0 {
		return fmt.Errorf("exceeded quota: %s, requested: %s, used: %s, limited: %s",
			q.Name, strings.Join(reqs, ","), strings.Join(useds, ","), strings.Join(limits, ","))
	}
	return nil
}

// podUsage is what a pod counts against a quota: one pod, and its
// requests and limits, each the larger of its containers' sum and its
// largest init container, as kube's pod evaluator reckons them. A
// resource not every container states is left out, so that a quota on it
// can say the pod must state it.
func podUsage(pod *corev1.Pod) corev1.ResourceList {
	usage := corev1.ResourceList{corev1.ResourcePods: resource.MustParse("1"), "count/pods": resource.MustParse("1")}
	for _, r := range []struct {
		name, base corev1.ResourceName
		limits     bool
	}{
		{corev1.ResourceRequestsCPU, corev1.ResourceCPU, false},
		{corev1.ResourceRequestsMemory, corev1.ResourceMemory, false},
		{corev1.ResourceLimitsCPU, corev1.ResourceCPU, true},
		{corev1.ResourceLimitsMemory, corev1.ResourceMemory, true},
	} {
		if q, ok := containersNeed(pod, r.base, r.limits); ok {
			usage[r.name] = q
		}
	}
	// A quota's bare cpu and memory are requests, as in Kubernetes.
	for bare, requests := range map[corev1.ResourceName]corev1.ResourceName{
		corev1.ResourceCPU: corev1.ResourceRequestsCPU, corev1.ResourceMemory: corev1.ResourceRequestsMemory,
	} {
		if q, ok := usage[requests]; ok {
			usage[bare] = q.DeepCopy()
		}
	}
	return usage
}

// containersNeed is max(sum of the app containers', largest init
// container's) of one resource's requests or limits, and whether every
// app container states it.
func containersNeed(pod *corev1.Pod, name corev1.ResourceName, limits bool) (resource.Quantity, bool) {
	pick := func(c corev1.Container) (resource.Quantity, bool) {
		list := c.Resources.Requests
		if limits {
			list = c.Resources.Limits
		}
		q, ok := list[name]
		return q, ok
	}
	var sum resource.Quantity
	for _, c := range pod.Spec.Containers {
		q, ok := pick(c)
		if !ok {
			return resource.Quantity{}, false
		}
		sum.Add(q)
	}
	for _, c := range pod.Spec.InitContainers {
		if q, ok := pick(c); ok && q.Cmp(sum) > 0 {
			sum = q.DeepCopy()
		}
	}
	return sum, len(pod.Spec.Containers) > 0
}

func addTo(total, add corev1.ResourceList) {
	for name, q := range add {
		t := total[name]
		t.Add(q)
		total[name] = t
	}
}
