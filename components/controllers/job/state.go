package job

import (
	"slices"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// state is what a sync sees of a Job and its pods, and what follows.
type state struct {
	active              []*corev1.Pod // not ended, not being deleted
	ready               int32
	succeeded, failed   int32 // never below what the status says
	terminating         int32
	restarts            int32 // of active pods' containers, with OnFailure
	startTime           time.Time
	deadlineIn          time.Duration // until activeDeadlineSeconds runs out
	failReason, failMsg string        // why the Job fails, if it does
	complete            bool          // its completions are reached
	wantActive          int32
	activeAfter         int32 // active once manage has acted
	// alreadyFailed and alreadyComplete: a terminal condition is written.
	alreadyFailed, alreadyComplete bool
}

func (s *state) finished() bool { return s.alreadyFailed || s.alreadyComplete }

// done reports whether the Job has reached success or failure.
func (s *state) done() bool { return s.complete || s.failReason != "" }

// observe counts job's pods and decides where the Job stands at now.
func observe(job *batchv1.Job, pods []*corev1.Pod, now time.Time) *state {
	s := &state{alreadyFailed: hasCondition(job, batchv1.JobFailed), alreadyComplete: hasCondition(job, batchv1.JobComplete)}
	var succeeded, failed int32
	for _, p := range pods {
		switch {
		case p.Status.Phase == corev1.PodSucceeded:
			succeeded++
		case p.Status.Phase == corev1.PodFailed:
			failed++
		case p.DeletionTimestamp != nil:
			failed++ // deleted before it ended: TerminatingOrFailed counts it failed
			s.terminating++
		default:
			s.active = append(s.active, p)
			if podReady(p) {
				s.ready++
			}
			if job.Spec.Template.Spec.RestartPolicy == corev1.RestartPolicyOnFailure {
				for _, cs := range p.Status.ContainerStatuses {
					s.restarts += cs.RestartCount
				}
			}
		}
	}
	s.succeeded = max(succeeded, job.Status.Succeeded)
	s.failed = max(failed, job.Status.Failed)
	if s.finished() || failureTarget(job) != nil || hasCondition(job, batchv1.JobSuccessCriteriaMet) {
		// Decided: the pods deleted since are not failures of the Job.
		s.succeeded, s.failed = job.Status.Succeeded, job.Status.Failed
	}
	s.activeAfter = int32(len(s.active))
	s.startTime = now
	if job.Status.StartTime != nil {
		s.startTime = job.Status.StartTime.Time
	}
	s.decide(job, now)
	return s
}

// decide sets whether the Job succeeded or failed, and how many pods it wants.
func (s *state) decide(job *batchv1.Job, now time.Time) {
	if s.finished() {
		return
	}
	if c := failureTarget(job); c != nil {
		s.failReason, s.failMsg = c.Reason, c.Message
		return
	}
	if s.failed+s.restarts > ptr.Deref(job.Spec.BackoffLimit, 6) {
		s.failReason, s.failMsg = "BackoffLimitExceeded", "Job has reached the specified backoff limit"
		return
	}
	if ads := job.Spec.ActiveDeadlineSeconds; ads != nil {
		deadline := s.startTime.Add(time.Duration(*ads) * time.Second)
		if !now.Before(deadline) {
			s.failReason, s.failMsg = "DeadlineExceeded", "Job was active longer than specified deadline"
			return
		}
		s.deadlineIn = deadline.Sub(now)
	}
	parallelism := ptr.Deref(job.Spec.Parallelism, 1)
	if completions := job.Spec.Completions; completions != nil {
		s.complete = s.succeeded >= *completions || hasCondition(job, batchv1.JobSuccessCriteriaMet)
		s.wantActive = max(0, min(parallelism, *completions-s.succeeded))
		return
	}
	// No completions: a work queue, done once one pod succeeded and none
	// is active; until one succeeds, parallelism pods run.
	s.complete = s.succeeded > 0 && len(s.active) == 0
	s.wantActive = parallelism
	if s.succeeded > 0 {
		s.wantActive = int32(len(s.active))
	}
}

func podReady(p *corev1.Pod) bool {
	return slices.ContainsFunc(p.Status.Conditions, func(c corev1.PodCondition) bool {
		return c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue
	})
}

func hasCondition(job *batchv1.Job, t batchv1.JobConditionType) bool {
	return slices.ContainsFunc(job.Status.Conditions, func(c batchv1.JobCondition) bool {
		return c.Type == t && c.Status == corev1.ConditionTrue
	})
}

// failureTarget is the Job's FailureTarget condition, once written: the
// Job is failing, whatever its pods do next.
func failureTarget(job *batchv1.Job) *batchv1.JobCondition {
	for i, c := range job.Status.Conditions {
		if c.Type == batchv1.JobFailureTarget && c.Status == corev1.ConditionTrue {
			return &job.Status.Conditions[i]
		}
	}
	return nil
}
