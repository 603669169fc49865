package cronjob

import (
	"context"
	"fmt"
	"maps"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/reference"
	"k8s.io/utils/ptr"
)

// jobFromTemplate is the Job of cj for scheduled time t: the template's
// spec, labels and annotations, controlled by cj, named for t, and
// annotated with t as kube annotates it.
func jobFromTemplate(cj *batchv1.CronJob, t time.Time) (*batchv1.Job, error) {
	loc, err := location(cj)
	if err != nil {
		return nil, err
	}
	annotations := maps.Clone(cj.Spec.JobTemplate.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[batchv1.CronJobScheduledTimestampAnnotation] = t.In(loc).Format(time.RFC3339)
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:            jobName(cj, t),
			Namespace:       cj.Namespace,
			Labels:          maps.Clone(cj.Spec.JobTemplate.Labels),
			Annotations:     annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, controllerKind)},
		},
		Spec: *cj.Spec.JobTemplate.Spec.DeepCopy(),
	}, nil
}

// createJob creates cj's Job for t and records it: active, and t as the
// last schedule. A Job of that name that cj already controls is the one
// an earlier sync created before its status write was lost: it is
// recorded, not created twice.
func (c *Controller) createJob(ctx context.Context, cj *batchv1.CronJob, t time.Time) error {
	want, err := jobFromTemplate(cj, t)
	if err != nil {
		return err
	}
	job, err := c.cc.Client.BatchV1().Jobs(cj.Namespace).Create(ctx, want, metav1.CreateOptions{})
	switch {
	case apierrors.IsAlreadyExists(err):
		if job, err = c.cc.Client.BatchV1().Jobs(cj.Namespace).Get(ctx, want.Name, metav1.GetOptions{}); err != nil {
			return fmt.Errorf("get job %s/%s of cronjob %s, which exists: %w", cj.Namespace, want.Name, cj.Name, err)
		}
		if !metav1.IsControlledBy(job, cj) {
			// Someone else's Job holds the name: this time is taken.
			c.events.Eventf(cj, corev1.EventTypeWarning, "FailedCreate", "Error creating job: %s exists and is not this CronJob's", want.Name)
			cj.Status.LastScheduleTime = &metav1.Time{Time: t}
			return nil
		}
	case err != nil:
		c.events.Eventf(cj, corev1.EventTypeWarning, "FailedCreate", "Error creating job: %v", err)
		return fmt.Errorf("create job %s/%s of cronjob %s: %w", cj.Namespace, want.Name, cj.Name, err)
	default:
		c.events.Eventf(cj, corev1.EventTypeNormal, "SuccessfulCreate", "Created job %v", job.Name)
	}
	if _, done := finished(job); !done && !hasActive(cj, job.Name) {
		ref, err := reference.GetReference(scheme.Scheme, job)
		if err != nil {
			return fmt.Errorf("reference job %s/%s: %w", job.Namespace, job.Name, err)
		}
		cj.Status.Active = append(cj.Status.Active, *ref)
	}
	cj.Status.LastScheduleTime = &metav1.Time{Time: t}
	return nil
}

// deleteJob deletes one of cj's Jobs, its pods in the background, guarded
// by its UID; it reports whether the Job is gone.
func (c *Controller) deleteJob(ctx context.Context, cj *batchv1.CronJob, job *batchv1.Job) bool {
	opts := metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)}
	if job.UID != "" {
		opts.Preconditions = &metav1.Preconditions{UID: &job.UID}
	}
	err := c.cc.Client.BatchV1().Jobs(job.Namespace).Delete(ctx, job.Name, opts)
	switch {
	case apierrors.IsNotFound(err):
		return true
	case err != nil:
		c.events.Eventf(cj, corev1.EventTypeWarning, "FailedDelete", "Error deleting job %s: %v", job.Name, err)
		c.log.Error("delete job", "cronjob", cj.Namespace+"/"+cj.Name, "job", job.Name, "err", err)
		return false
	}
	c.events.Eventf(cj, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted job %v", job.Name)
	return true
}
