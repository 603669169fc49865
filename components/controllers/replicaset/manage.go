package replicaset

import (
	"context"
	"errors"
	"fmt"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ownkube/ownkube/components/controllers/replicaset/core"
	"github.com/ownkube/ownkube/components/kit/exercise"
)

// manage asks the core what brings rs's pods to its count and does it.
func (c *Controller) manage(ctx context.Context, key string, rs *appsv1.ReplicaSet, pods []*corev1.Pod) error {
	create, remove, err := decide(*rs.Spec.Replicas, pods, c.burst)
	c.stubs.Report(rs, err)
	if err != nil {
		return fmt.Errorf("replicaset %s: decide: %w", key, err)
	}
	switch {
	case create > 0:
		c.exp.expect(key, create, nil)
		c.log.Debug("too few replicas", "replicaset", key, "need", *rs.Spec.Replicas, "creating", create)
		created, err := slowStartBatch(create, 1, func() error { return c.createPod(ctx, rs) })
		if skipped := create - created; skipped > 0 {
			// Those never made will never show in the informer.
			c.exp.created(key, skipped)
		}
		return err
	case len(remove) > 0:
		uids := make([]types.UID, len(remove))
		for i, p := range remove {
			uids[i] = p.UID
		}
		c.exp.expect(key, 0, uids)
		c.log.Debug("too many replicas", "replicaset", key, "need", *rs.Spec.Replicas, "deleting", len(remove))
		return c.deletePods(ctx, key, rs, remove)
	}
	return nil
}

// decide calls the core, turning a panic (a stub, a learner's bug) into an
// error of this sync rather than a crash of the whole controller-manager.
func decide(replicas int32, pods []*corev1.Pod, burst int) (create int, remove []*corev1.Pod, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("core.Manage: %w", exercise.Recovered(r))
		}
	}()
	return core.Manage(replicas, pods, burst)
}

// slowStartBatch calls fn count times, in batches of initial, then twice as
// many, each batch at once, and stops after the first batch in which a call
// failed — kube's slowStartBatch: a burst of creates the API refuses
// (a bad template, a quota) costs one call, not a flood. It returns how many
// calls succeeded, and the first failure.
func slowStartBatch(count, initial int, fn func() error) (int, error) {
	done := 0
	for batch := min(count, initial); batch > 0; batch = min(2*batch, count-done) {
		var wg sync.WaitGroup
		errs := make(chan error, batch)
		for range batch {
			wg.Go(func() {
				if err := fn(); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		failed := len(errs)
		done += batch - failed
		if failed > 0 {
			return done, <-errs
		}
	}
	return done, nil
}

// createPod creates one pod from rs's template, controlled by rs.
func (c *Controller) createPod(ctx context.Context, rs *appsv1.ReplicaSet) error {
	t := rs.Spec.Template.DeepCopy()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    rs.Name + "-",
			Namespace:       rs.Namespace,
			Labels:          t.Labels,
			Annotations:     t.Annotations,
			Finalizers:      t.Finalizers,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(rs, kind)},
		},
		Spec: t.Spec,
	}
	created, err := c.client.CoreV1().Pods(rs.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		c.recorder.Eventf(rs, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		return fmt.Errorf("replicaset %s/%s: create a pod: %w", rs.Namespace, rs.Name, err)
	}
	c.recorder.Eventf(rs, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", created.Name)
	return nil
}

// deletePods deletes pods at once. A pod already gone counts as deleted.
func (c *Controller) deletePods(ctx context.Context, key string, rs *appsv1.ReplicaSet, pods []*corev1.Pod) error {
	var wg sync.WaitGroup
	errs := make([]error, len(pods))
	for i, pod := range pods {
		wg.Go(func() {
			err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{})
			switch {
			case err == nil:
				c.recorder.Eventf(rs, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", pod.Name)
			case apierrors.IsNotFound(err):
				c.exp.deleted(key, pod.UID)
			default:
				// It will not show as deleted: stop waiting for it.
				c.exp.deleted(key, pod.UID)
				c.recorder.Eventf(rs, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
				errs[i] = fmt.Errorf("replicaset %s: delete pod %s: %w", key, pod.Name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
