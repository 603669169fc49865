// Package deployment is the Deployment controller, as kube-controller-manager's
// pkg/controller/deployment: one ReplicaSet per pod template, named and
// labelled with the template's pod-template-hash, and a rollout from the old
// ReplicaSets to the new one.
//
// One sync of a Deployment, in order:
//
//  1. claim its ReplicaSets (adopt orphans its selector matches, release
//     those it no longer matches);
//  2. paused, or only scaled (a ReplicaSet's desired-replicas annotation
//     differs from spec.replicas): scale the ReplicaSets, proportionally
//     when several have pods, and write status;
//  3. otherwise roll out: RollingUpdate scales the new ReplicaSet up within
//     maxSurge and the old ones down within maxUnavailable; Recreate scales
//     every old one to zero, waits for their pods to be gone, then scales
//     the new one up;
//  4. once complete, delete the old ReplicaSets beyond revisionHistoryLimit;
//  5. write status and the Progressing and Available conditions exactly as
//     kube does, Progressing=False (ProgressDeadlineExceeded) once no
//     progress was made for progressDeadlineSeconds; a stalled rollout is
//     looked at again when its deadline passes.
//
// Revisions are the deployment.kubernetes.io/revision annotations; kubectl
// rollout undo rolls back client-side by patching the template of an older
// ReplicaSet into the Deployment, which this controller then sees as that
// ReplicaSet becoming the new one again, with the next revision.
package deployment
