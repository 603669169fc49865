package nodelifecycle

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"github.com/ownkube/ownkube/components/controllers/controller"
	"github.com/ownkube/ownkube/components/controllers/nodelifecycle/core"
	"github.com/ownkube/ownkube/components/controllers/nodelifecycle/nodestate"
)

var everything = labels.Everything()

// syncEviction deletes the pods of a node that its NoExecute taints no
// longer let stay, and comes back when the next toleration runs out.
func (c *Controller) syncEviction(ctx context.Context, name string) error {
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	taints := noExecuteTaints(node)
	if len(taints) == 0 {
		return nil
	}
	pods, err := c.podsOn(name)
	if err != nil {
		return err
	}
	byKey := map[string]*corev1.Pod{}
	var candidates []nodestate.Pod
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil {
			continue // already on its way out
		}
		key, _ := cache.MetaNamespaceKeyFunc(pod)
		byKey[key] = pod
		candidates = append(candidates, nodestate.Pod{Key: key, Tolerations: pod.Spec.Tolerations})
	}
	evict, recheck := core.Evictions(taints, candidates, c.cc.Now())
	for _, key := range evict {
		pod := byKey[key]
		if pod == nil {
			return controller.Permanent(fmt.Errorf("the eviction decision names pod %q, which is not on node %s", key, name))
		}
		if err := c.evict(ctx, pod); err != nil {
			return err
		}
	}
	if recheck > 0 {
		return controller.RequeueAfter(recheck)
	}
	return nil
}

// evict deletes pod, as kube's taint-eviction controller does, guarded by
// its UID so a new pod of the same name is never deleted instead.
func (c *Controller) evict(ctx context.Context, pod *corev1.Pod) error {
	c.evicts.Eventf(pod, corev1.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod %s/%s", pod.Namespace, pod.Name)
	c.log.Info("evicting pod from a tainted node", "pod", pod.Namespace+"/"+pod.Name, "node", pod.Spec.NodeName)
	err := c.cc.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("evict pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}
