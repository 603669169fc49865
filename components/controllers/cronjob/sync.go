package cronjob

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// reconcileActive brings cj.Status.Active and LastSuccessfulTime up to
// date with cj's Jobs: a finished Job leaves the list (SawCompletedJob), a
// listed Job that no longer exists leaves it too (MissingJob), and the
// latest completion of a Job that succeeded is the last successful time.
// It reports whether the status changed.
func (c *Controller) reconcileActive(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) (bool, error) {
	changed := false
	seen := map[types.UID]bool{}
	for _, j := range jobs {
		seen[j.UID] = true
		cond, done := finished(j)
		if done && removeActive(cj, j.UID) {
			c.events.Eventf(cj, corev1.EventTypeNormal, "SawCompletedJob", "Saw completed job: %s, condition: %v", j.Name, cond)
			changed = true
		}
		if t := j.Status.CompletionTime; cond == batchv1.JobComplete && t != nil &&
			(cj.Status.LastSuccessfulTime == nil || t.After(cj.Status.LastSuccessfulTime.Time)) {
			cj.Status.LastSuccessfulTime = t.DeepCopy()
			changed = true
		}
	}
	for _, ref := range slices.Clone(cj.Status.Active) {
		if seen[ref.UID] {
			continue
		}
		// The cache may not have seen a Job just created: ask the API
		// before calling it gone.
		_, err := c.cc.Client.BatchV1().Jobs(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			c.events.Eventf(cj, corev1.EventTypeNormal, "MissingJob", "Active job went missing: %v", ref.Name)
			removeActive(cj, ref.UID)
			changed = true
		case err != nil:
			return changed, fmt.Errorf("get active job %s/%s of cronjob %s: %w", ref.Namespace, ref.Name, cj.Name, err)
		}
	}
	return changed, nil
}

// cleanupHistory deletes cj's finished Jobs beyond its history limits,
// the oldest first, and reports whether the status changed. A Job being
// deleted already is neither counted nor deleted again.
func (c *Controller) cleanupHistory(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) bool {
	var succeeded, failed []*batchv1.Job
	for _, j := range jobs {
		if j.DeletionTimestamp != nil {
			continue
		}
		switch cond, _ := finished(j); cond {
		case batchv1.JobComplete:
			succeeded = append(succeeded, j)
		case batchv1.JobFailed:
			failed = append(failed, j)
		}
	}
	changed := false
	for _, old := range append(oldest(succeeded, cj.Spec.SuccessfulJobsHistoryLimit), oldest(failed, cj.Spec.FailedJobsHistoryLimit)...) {
		if c.deleteJob(ctx, cj, old) {
			changed = removeActive(cj, old.UID) || changed
		}
	}
	return changed
}

// oldest returns the jobs beyond the newest limit of them; none without a limit.
func oldest(jobs []*batchv1.Job, limit *int32) []*batchv1.Job {
	if limit == nil || len(jobs) <= int(*limit) {
		return nil
	}
	jobs = slices.Clone(jobs)
	slices.SortFunc(jobs, byStart)
	return jobs[:len(jobs)-int(*limit)]
}

// byStart orders Jobs by start time, those not started last (they are the
// newest), then by creation, then by name, as kube's byJobStartTime.
func byStart(a, b *batchv1.Job) int {
	switch sa, sb := a.Status.StartTime, b.Status.StartTime; {
	case sa == nil && sb != nil:
		return 1
	case sa != nil && sb == nil:
		return -1
	case sa != nil && !sa.Equal(sb):
		return sa.Compare(sb.Time)
	}
	if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
		return c
	}
	return cmp.Compare(a.Name, b.Name)
}

// schedule creates the Job of cj's due time, if any and if its
// concurrencyPolicy lets it, recording it in cj's status. It returns when
// to look at cj again (zero: only when it changes) and whether the status
// changed.
func (c *Controller) schedule(ctx context.Context, cj *batchv1.CronJob, now time.Time) (time.Duration, bool, error) {
	if cj.DeletionTimestamp != nil || ptr.Deref(cj.Spec.Suspend, false) {
		return 0, false, nil // an update that resumes it brings it back
	}
	sched, err := parseSchedule(cj)
	if err != nil {
		// The API refuses these; an object stored before that cannot run.
		c.events.Eventf(cj, corev1.EventTypeWarning, "UnparseableSchedule", "%v", err)
		return 0, false, nil
	}
	next := untilNext(cj, sched, now)
	if next == 0 {
		c.events.Eventf(cj, corev1.EventTypeWarning, "InvalidSchedule", "schedule %q never comes again", cj.Spec.Schedule)
	}
	t, tooMany := due(cj, sched, now)
	if tooMany {
		c.events.Eventf(cj, corev1.EventTypeWarning, "TooManyMissedTimes",
			"too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew")
	}
	switch {
	case t.IsZero():
		return next, false, nil
	case cj.Status.LastScheduleTime.Equal(&metav1.Time{Time: t}) || hasActive(cj, jobName(cj, t)):
		return next, false, nil // this time has its Job already
	case cj.Spec.ConcurrencyPolicy == batchv1.ForbidConcurrent && len(cj.Status.Active) > 0:
		// Not given up on: when the active Job finishes, its update
		// brings cj back, and the time runs if still within its deadline.
		c.events.Eventf(cj, corev1.EventTypeNormal, "JobAlreadyActive",
			"Not starting job because prior execution is running and concurrency policy is Forbid")
		return next, false, nil
	}
	changed := false
	if cj.Spec.ConcurrencyPolicy == batchv1.ReplaceConcurrent {
		var err error
		if changed, err = c.replaceActive(ctx, cj); err != nil {
			return next, changed, err
		}
	}
	if err := c.createJob(ctx, cj, t); err != nil {
		return next, changed, err
	}
	return next, true, nil
}

// replaceActive deletes cj's active Jobs, for concurrencyPolicy Replace.
func (c *Controller) replaceActive(ctx context.Context, cj *batchv1.CronJob) (bool, error) {
	changed := false
	for _, ref := range slices.Clone(cj.Status.Active) {
		job, err := c.jobs.Jobs(ref.Namespace).Get(ref.Name)
		if apierrors.IsNotFound(err) {
			job = &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: ref.Namespace, Name: ref.Name, UID: ref.UID}}
		} else if err != nil {
			return changed, err
		}
		if !c.deleteJob(ctx, cj, job) {
			return changed, fmt.Errorf("replace job %s/%s of cronjob %s: not deleted", ref.Namespace, ref.Name, cj.Name)
		}
		removeActive(cj, ref.UID)
		changed = true
	}
	return changed, nil
}

// finished reports whether j is Complete or Failed, and which.
func finished(j *batchv1.Job) (batchv1.JobConditionType, bool) {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c.Type, true
		}
	}
	return "", false
}

// removeActive takes the Job of uid out of cj's active list and reports
// whether it was there.
func removeActive(cj *batchv1.CronJob, uid types.UID) bool {
	n := len(cj.Status.Active)
	cj.Status.Active = slices.DeleteFunc(cj.Status.Active, func(r corev1.ObjectReference) bool { return r.UID == uid })
	return len(cj.Status.Active) != n
}

// hasActive reports whether cj's active list names a Job called name.
func hasActive(cj *batchv1.CronJob, name string) bool {
	return slices.ContainsFunc(cj.Status.Active, func(r corev1.ObjectReference) bool { return r.Name == name })
}
