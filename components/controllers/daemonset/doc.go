// Package daemonset is the DaemonSet controller of the controller-manager,
// as kube's pkg/controller/daemon:
//
//   - One pod per node that should run it: a node whose labels match the
//     template's nodeSelector and whose NoSchedule and NoExecute taints the
//     pod tolerates — its own tolerations plus those kube gives every
//     daemon pod (not-ready and unreachable NoExecute; disk-pressure,
//     memory-pressure, pid-pressure and unschedulable NoSchedule;
//     network-unavailable for hostNetwork pods). A pod on a node that an
//     untolerated NoExecute taint or a changed nodeSelector rules out is
//     deleted (numberMisscheduled until then); a pod on a node that only an
//     untolerated NoSchedule taint rules out may stay.
//   - Pods are bound by the controller itself, spec.nodeName set at
//     creation, beside the node affinity (matchFields metadata.name) kube
//     writes. Kube leaves the binding to the scheduler, but the kit's
//     scheduler (the learner's stage 5) has no node affinity filter and
//     refuses nodes that are not Ready: daemon pods must land on their
//     node, Ready or not.
//   - Nodes that join get a pod, nodes that leave lose theirs: a pod bound
//     to a node that no longer exists is deleted at once (grace 0), as
//     kube's pod garbage collector does, since no kubelet will confirm it.
//   - A failed daemon pod is deleted and replaced.
//   - RollingUpdate: pods carry the hash of the template they were made
//     from (controller-revision-hash); old pods are replaced node by node,
//     no more than maxUnavailable nodes without an available pod at a time
//     (old pods that are not available go first, without waiting). OnDelete
//     replaces a pod only once it is deleted. maxSurge is not done, nor
//     ControllerRevisions (the history kubectl rollout undo reads).
//   - status: desired, current, ready, updated, available, unavailable
//     numbers, numberMisscheduled and observedGeneration, as kube counts them.
package daemonset
