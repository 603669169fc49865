package statefulset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ownkube/ownkube/components/controllers/controller"
)

// claim returns the pods set owns, as kube's ClaimPods with the
// StatefulSet's filter: a pod is set's when its selector matches it and
// its name is <set>-<ordinal>. Orphans that are set's are adopted, owned
// pods that no longer are are released; a set being deleted does neither.
// Pods are from the cache: never modified.
func (c *Controller) claim(ctx context.Context, set *appsv1.StatefulSet, pods []*corev1.Pod) ([]*corev1.Pod, error) {
	selector, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil {
		// The API validates selectors; one it let through cannot be mended here.
		return nil, controller.Permanent(fmt.Errorf("statefulset %s: selector: %w", keyOf(set), err))
	}
	var owned []*corev1.Pod
	var errs []error
	var adoptable *bool
	for _, pod := range pods {
		matches := !selector.Empty() && selector.Matches(labels.Set(pod.Labels)) && ordinalOf(set, pod) >= 0
		ref := metav1.GetControllerOf(pod)
		switch {
		case ref != nil && ref.UID != set.UID:
			// Another controller's.
		case ref != nil && matches:
			owned = append(owned, pod)
		case ref != nil:
			if set.DeletionTimestamp == nil {
				_, err := c.patchOwner(ctx, set, pod, releasePatch(set, pod))
				errs = append(errs, err)
			}
		case matches && set.DeletionTimestamp == nil && pod.DeletionTimestamp == nil:
			if adoptable == nil {
				ok, err := c.canAdopt(ctx, set)
				if err != nil {
					return nil, err
				}
				adoptable = &ok
			}
			if !*adoptable {
				continue
			}
			adopted, err := c.patchOwner(ctx, set, pod, adoptPatch(set, pod))
			errs = append(errs, err)
			if adopted {
				owned = append(owned, pod)
			}
		}
	}
	return owned, errors.Join(errs...)
}

// canAdopt reads set afresh before its first adoption of a sync: the
// cache may hold a set that was deleted, or replaced under the same name.
func (c *Controller) canAdopt(ctx context.Context, set *appsv1.StatefulSet) (bool, error) {
	fresh, err := c.cc.Client.AppsV1().StatefulSets(set.Namespace).Get(ctx, set.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("statefulset %s: read it before adopting: %w", keyOf(set), err)
	}
	return fresh.UID == set.UID && fresh.DeletionTimestamp == nil, nil
}

// adoptPatch makes set the controller of pod; the pod's UID in the patch
// makes it fail on a pod replaced under the same name.
func adoptPatch(set *appsv1.StatefulSet, pod *corev1.Pod) map[string]any {
	return map[string]any{"metadata": map[string]any{
		"ownerReferences": []metav1.OwnerReference{*metav1.NewControllerRef(set, kind)},
		"uid":             pod.UID,
	}}
}

// releasePatch deletes set's reference from pod, and that one only.
func releasePatch(set *appsv1.StatefulSet, pod *corev1.Pod) map[string]any {
	return map[string]any{"metadata": map[string]any{
		"ownerReferences": []map[string]any{{"$patch": "delete", "uid": set.UID}},
		"uid":             pod.UID,
	}}
}

// patchOwner applies an adoption or release and reports whether it did:
// a pod gone or replaced meanwhile needs neither.
func (c *Controller) patchOwner(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod, patch map[string]any) (bool, error) {
	data, err := json.Marshal(patch)
	if err != nil {
		return false, err
	}
	_, err = c.cc.Client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, data, metav1.PatchOptions{})
	switch {
	case apierrors.IsNotFound(err) || apierrors.IsInvalid(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("statefulset %s: adopt or release pod %s: %w", keyOf(set), pod.Name, err)
	}
	c.log.Debug("changed the owner of a pod", "statefulset", keyOf(set), "pod", pod.Name)
	return true, nil
}
