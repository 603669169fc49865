package job

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/controllers/controller"
)

// What kube writes on a Job that reached its completions.
const (
	reasonCompletionsReached  = "CompletionsReached"
	messageCompletionsReached = "Reached expected number of succeeded pods"
)

// writeStatus writes the counts and conditions st calls for, if they differ
// from job's: SuccessCriteriaMet or FailureTarget once the Job is done,
// Complete or Failed once no pod of it is active or terminating.
func (c *Controller) writeStatus(ctx context.Context, job *batchv1.Job, st *state, now time.Time) error {
	next := job.DeepCopy()
	s := &next.Status
	s.Active, s.Ready, s.Succeeded, s.Failed = st.activeAfter, ptr.To(st.ready), st.succeeded, st.failed
	s.Terminating = ptr.To(st.terminating)
	if s.StartTime == nil {
		s.StartTime = &metav1.Time{Time: st.startTime}
	}
	settled := st.activeAfter == 0 && st.terminating == 0
	switch {
	case st.finished():
	case st.failReason != "":
		addCondition(next, batchv1.JobFailureTarget, st.failReason, st.failMsg, now)
		if settled {
			addCondition(next, batchv1.JobFailed, st.failReason, st.failMsg, now)
			c.events.Event(job, corev1.EventTypeWarning, st.failReason, st.failMsg)
		}
	case st.complete:
		addCondition(next, batchv1.JobSuccessCriteriaMet, reasonCompletionsReached, messageCompletionsReached, now)
		if settled {
			addCondition(next, batchv1.JobComplete, reasonCompletionsReached, messageCompletionsReached, now)
			s.CompletionTime = &metav1.Time{Time: now}
			c.events.Event(job, corev1.EventTypeNormal, "Completed", "Job completed")
		}
	}
	if equality.Semantic.DeepEqual(next.Status, job.Status) {
		return nil
	}
	if _, err := c.cc.Client.BatchV1().Jobs(job.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update status of job %s/%s: %w", job.Namespace, job.Name, err)
	}
	return nil
}

// addCondition adds a True condition of type t, unless one is there.
func addCondition(job *batchv1.Job, t batchv1.JobConditionType, reason, message string, now time.Time) {
	for _, c := range job.Status.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return
		}
	}
	job.Status.Conditions = append(job.Status.Conditions, batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue,
		Reason: reason, Message: message, LastProbeTime: metav1.NewTime(now), LastTransitionTime: metav1.NewTime(now)})
}

func fmtPermanent(format string, args ...any) error {
	return controller.Permanent(fmt.Errorf(format, args...))
}
