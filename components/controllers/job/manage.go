package job

import (
	"context"
	"fmt"
	"maps"
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// manage creates or deletes pods so that as many are active as the Job
// wants: none once it is done.
func (c *Controller) manage(ctx context.Context, key string, job *batchv1.Job, st *state) error {
	want := st.wantActive
	if st.done() || st.finished() {
		want = 0
	}
	active := int32(len(st.active))
	switch {
	case active < want:
		n := int(min(want-active, int32(c.cc.Options.BurstReplicas)))
		c.expect.Expect(key, n, 0)
		for i := range n {
			if err := c.createPod(ctx, job); err != nil {
				for range n - i {
					c.expect.Observed(key, true) // these will never be seen
				}
				return err
			}
			active++
		}
	case active > want:
		// The newest go first: the oldest are the furthest along.
		victims := slices.Clone(st.active)
		slices.SortFunc(victims, func(a, b *corev1.Pod) int { return b.CreationTimestamp.Compare(a.CreationTimestamp.Time) })
		victims = victims[:active-want]
		c.expect.Expect(key, 0, len(victims))
		for i, pod := range victims {
			if err := c.deletePod(ctx, job, pod); err != nil {
				for range len(victims) - i {
					c.expect.Observed(key, false)
				}
				return err
			}
			active--
		}
	}
	st.activeAfter = active
	return nil
}

// createPod creates one pod of job's template, controlled by job.
func (c *Controller) createPod(ctx context.Context, job *batchv1.Job) error {
	t := &job.Spec.Template
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    job.Name + "-",
			Namespace:       job.Namespace,
			Labels:          maps.Clone(t.Labels),
			Annotations:     maps.Clone(t.Annotations),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(job, batchv1.SchemeGroupVersion.WithKind("Job"))},
		},
		Spec: *t.Spec.DeepCopy(),
	}
	created, err := c.cc.Client.CoreV1().Pods(job.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		c.events.Eventf(job, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		if apierrors.IsInvalid(err) || apierrors.IsForbidden(err) {
			return fmtPermanent("create a pod of job %s/%s: %w", job.Namespace, job.Name, err)
		}
		return fmt.Errorf("create a pod of job %s/%s: %w", job.Namespace, job.Name, err)
	}
	c.events.Eventf(job, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", created.Name)
	return nil
}

// deletePod deletes one of job's pods, guarded by its UID.
func (c *Controller) deletePod(ctx context.Context, job *batchv1.Job, pod *corev1.Pod) error {
	err := c.cc.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &pod.UID}})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		c.events.Eventf(job, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
		return fmt.Errorf("delete pod %s/%s of job %s: %w", pod.Namespace, pod.Name, job.Name, err)
	}
	c.events.Eventf(job, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", pod.Name)
	return nil
}
