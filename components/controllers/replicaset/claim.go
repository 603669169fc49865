package replicaset

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
)

// claim returns the pods rs owns once it has adopted the orphans its
// selector matches and released the pods it owns but no longer matches, as
// kube's PodControllerRefManager.ClaimPods. A ReplicaSet being deleted
// neither adopts nor releases. Pods are from the cache: never modified.
func (c *Controller) claim(ctx context.Context, rs *appsv1.ReplicaSet, selector labels.Selector, pods []*corev1.Pod) ([]*corev1.Pod, error) {
	var owned []*corev1.Pod
	var errs []error
	var adoptable *bool
	for _, pod := range pods {
		matches := selector.Matches(labels.Set(pod.Labels))
		ref := metav1.GetControllerOf(pod)
		switch {
		case ref != nil && ref.UID != rs.UID:
			// Another controller's.
		case ref != nil && matches:
			owned = append(owned, pod)
		case ref != nil:
			if rs.DeletionTimestamp == nil {
				errs = append(errs, c.release(ctx, rs, pod))
			}
		case matches && rs.DeletionTimestamp == nil && pod.DeletionTimestamp == nil:
			if adoptable == nil {
				ok, err := c.canAdopt(ctx, rs)
				if err != nil {
					return nil, err
				}
				adoptable = &ok
			}
			if !*adoptable {
				continue
			}
			adopted, err := c.adopt(ctx, rs, pod)
			errs = append(errs, err)
			if adopted {
				owned = append(owned, pod)
			}
		}
	}
	return owned, errors.Join(errs...)
}

// canAdopt reads rs afresh before its first adoption of a sync: the cache
// may hold a ReplicaSet that was deleted, or replaced under the same name,
// and adopting for it would hand pods to a ghost.
func (c *Controller) canAdopt(ctx context.Context, rs *appsv1.ReplicaSet) (bool, error) {
	fresh, err := c.client.AppsV1().ReplicaSets(rs.Namespace).Get(ctx, rs.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("replicaset %s/%s: read it before adopting: %w", rs.Namespace, rs.Name, err)
	}
	return fresh.UID == rs.UID && fresh.DeletionTimestamp == nil, nil
}

// adopt makes rs the controller of pod with a strategic merge patch that
// adds the controller reference; the pod's UID in the patch makes it fail
// on a pod replaced under the same name. It reports whether pod is now rs's.
func (c *Controller) adopt(ctx context.Context, rs *appsv1.ReplicaSet, pod *corev1.Pod) (bool, error) {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []metav1.OwnerReference{*metav1.NewControllerRef(rs, kind)},
		"uid":             pod.UID,
	}})
	if err != nil {
		return false, err
	}
	_, err = c.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	switch {
	case apierrors.IsNotFound(err) || apierrors.IsInvalid(err):
		return false, nil // gone, or replaced by another pod of that name
	case err != nil:
		return false, fmt.Errorf("replicaset %s/%s: adopt pod %s: %w", rs.Namespace, rs.Name, pod.Name, err)
	}
	c.log.Debug("adopted pod", "replicaset", keyOf(rs), "pod", pod.Name)
	return true, nil
}

// release removes rs's controller reference from pod, which no longer
// matches its selector, with a strategic merge patch deleting that one
// reference.
func (c *Controller) release(ctx context.Context, rs *appsv1.ReplicaSet, pod *corev1.Pod) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []map[string]any{{"$patch": "delete", "uid": rs.UID}},
		"uid":             pod.UID,
	}})
	if err != nil {
		return err
	}
	_, err = c.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsInvalid(err) {
		return fmt.Errorf("replicaset %s/%s: release pod %s: %w", rs.Namespace, rs.Name, pod.Name, err)
	}
	c.log.Debug("released pod", "replicaset", keyOf(rs), "pod", pod.Name)
	return nil
}
