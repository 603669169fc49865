package statefulset

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"github.com/ownkube/ownkube/components/controllers/controller"
)

// sync brings one StatefulSet's pods a step toward its spec and writes its
// status.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return controller.Permanent(err)
	}
	set, err := c.sets.StatefulSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.expect.Forget(key)
		return nil
	}
	if err != nil {
		return fmt.Errorf("statefulset %s: read from the cache: %w", key, err)
	}
	all, err := c.pods.Pods(ns).List(labels.Everything())
	if err != nil {
		return fmt.Errorf("statefulset %s: list pods from the cache: %w", key, err)
	}
	pods, err := c.claim(ctx, set, all)
	if err != nil {
		return err
	}
	now := c.cc.Now()
	update := revisionOf(set)
	var execErr error
	if set.DeletionTimestamp == nil && c.expect.Satisfied(key) {
		execErr = c.execute(ctx, key, set, update, decide(set, pods, update, now))
	}
	status, wait := calculateStatus(set, pods, currentRevision(set, update), update, now)
	if err := c.writeStatus(ctx, set, status); err != nil {
		return err
	}
	if execErr != nil {
		return execErr
	}
	if wait > 0 {
		return controller.RequeueAfter(wait) // a pod becomes available after minReadySeconds
	}
	return nil
}

// execute carries out p, creates first, counting on the informer to show
// every change before the next decision.
func (c *Controller) execute(ctx context.Context, key string, set *appsv1.StatefulSet, update string, p plan) error {
	c.expect.Expect(key, len(p.create), len(p.remove))
	for i, ord := range p.create {
		if err := c.createPod(ctx, set, ord, update); err != nil {
			for range len(p.create) - i {
				c.expect.Observed(key, true) // never to be seen
			}
			for range p.remove {
				c.expect.Observed(key, false)
			}
			return err
		}
	}
	for i, pod := range p.remove {
		if err := c.deletePod(ctx, key, set, pod); err != nil {
			for range len(p.remove) - i {
				c.expect.Observed(key, false)
			}
			return err
		}
	}
	return nil
}

func (c *Controller) createPod(ctx context.Context, set *appsv1.StatefulSet, ord int, revision string) error {
	pod := newPod(set, ord, revision)
	_, err := c.cc.Client.CoreV1().Pods(set.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	c.record(set, pod, "create", err)
	switch {
	case apierrors.IsInvalid(err) || apierrors.IsForbidden(err):
		return controller.Permanent(fmt.Errorf("statefulset %s: create pod %s: %w", keyOf(set), pod.Name, err))
	case err != nil:
		// AlreadyExists too: the old pod of that name is not gone yet, or
		// the cache is behind; the next sync sees which.
		return fmt.Errorf("statefulset %s: create pod %s: %w", keyOf(set), pod.Name, err)
	}
	return nil
}

// deletePod deletes pod, and only that pod: the UID precondition spares
// a pod made anew under the same name meanwhile.
func (c *Controller) deletePod(ctx context.Context, key string, set *appsv1.StatefulSet, pod *corev1.Pod) error {
	err := c.cc.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &pod.UID}})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		c.expect.Observed(key, false) // gone already, or a newer pod holds the name: no event will come
		return nil
	}
	c.record(set, pod, "delete", err)
	if err != nil {
		return fmt.Errorf("statefulset %s: delete pod %s: %w", keyOf(set), pod.Name, err)
	}
	return nil
}

// record tells of a create or delete in an Event on set, as kube's
// recordPodEvent: "create Pod web-0 in StatefulSet web successful".
func (c *Controller) record(set *appsv1.StatefulSet, pod *corev1.Pod, verb string, err error) {
	reason := strings.ToUpper(verb[:1]) + verb[1:]
	if err != nil {
		c.events.Eventf(set, corev1.EventTypeWarning, "Failed"+reason, "%s Pod %s in StatefulSet %s failed error: %v", verb, pod.Name, set.Name, err)
		return
	}
	c.events.Eventf(set, corev1.EventTypeNormal, "Successful"+reason, "%s Pod %s in StatefulSet %s successful", verb, pod.Name, set.Name)
}
