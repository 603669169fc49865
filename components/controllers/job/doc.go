// Package job is the Job controller of the controller-manager, as kube's
// pkg/controller/job, for NonIndexed Jobs:
//
//   - It keeps min(parallelism, completions − succeeded) pods active (with
//     completions unset, parallelism pods until one succeeds), created from
//     the template with the Job as their controller, named <job>-<random>.
//   - Pod failures count toward spec.backoffLimit: pods that ended Failed,
//     pods deleted before they ended (kube's podReplacementPolicy
//     TerminatingOrFailed), and, with restartPolicy OnFailure, the restarts
//     of the active pods' containers. Past the limit the Job fails with
//     reason BackoffLimitExceeded; past spec.activeDeadlineSeconds with
//     DeadlineExceeded.
//   - As kube 1.31+ writes them, a Job that is done first gets
//     SuccessCriteriaMet (or FailureTarget) while its remaining pods are
//     deleted, then Complete (or Failed) once none is active;
//     status.completionTime is set on Complete.
//
// Counting is done without kube's tracking finalizers: the controller
// counts the pods it sees, keeps them after they end (as kube does), and
// never lets status.succeeded or status.failed go down, so a finished pod
// deleted by hand is still counted. A pod deleted while the controller was
// away, before it saw it end, is not. Not done: Indexed completion,
// podFailurePolicy, successPolicy, suspend, backoffLimitPerIndex, the
// delay between recreating failed pods, ttlSecondsAfterFinished.
package job
