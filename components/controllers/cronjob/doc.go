// Package cronjob is the CronJob controller of the controller-manager, as
// kube's pkg/controller/cronjob (its controller v2): it makes a Job of a
// CronJob's jobTemplate each time the CronJob's schedule comes round.
//
// It watches CronJobs and Jobs; a Job's events bring back the CronJob that
// controls it. Each sync of a CronJob, in order:
//
//  1. Notes its Jobs: one that finished leaves status.active (event
//     SawCompletedJob) and, if it succeeded, may move
//     status.lastSuccessfulTime to its completion; one listed as active that
//     the API no longer has leaves too (MissingJob).
//  2. Deletes its finished Jobs beyond successfulJobsHistoryLimit and
//     failedJobsHistoryLimit, the oldest first (SuccessfulDelete), their
//     pods in the background.
//  3. Unless it is suspended or being deleted, finds the most recent time of
//     its schedule (robfig/cron's standard syntax, in spec.timeZone, else in
//     the controller-manager's zone: UTC in the kit's images) that came
//     after status.lastScheduleTime (or its creation) and is not older than
//     startingDeadlineSeconds. Earlier missed times are not caught up on, as
//     in kube; more than 100 of them bring a warning (TooManyMissedTimes),
//     since the clock or a long outage is to blame.
//  4. With a time due and no Job for it yet: Forbid waits while a Job is
//     active (JobAlreadyActive), Replace first deletes the active ones, Allow
//     lets them run side by side. The Job is named <cronjob>-<minutes since
//     the epoch of the time>, so a time never gets two Jobs: an
//     AlreadyExists of its own Job only means the status write that
//     followed its creation was lost. It carries the template's labels and
//     annotations, the CronJob as its controller, and the time in the
//     batch.kubernetes.io/cronjob-scheduled-timestamp annotation
//     (SuccessfulCreate). The Job controller runs it from there.
//  5. Writes status.active and status.lastScheduleTime (once, for all the
//     above) and asks the queue to bring the CronJob back just after the next
//     time of its schedule.
//
// The schedule arithmetic (schedule.go) is pure, on a clock passed in, so
// tests run on a fake one. Not done: the metrics kube's controller
// exports, and adopting a running Job of the CronJob's that its status
// does not list (kube warns of one, UnexpectedJob).
package cronjob
