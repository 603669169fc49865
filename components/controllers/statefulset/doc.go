// Package statefulset is the StatefulSet controller of the
// controller-manager, as kube's pkg/controller/statefulset: pods with a
// stable identity, made and removed in order.
//
//   - Identity: the pod of ordinal i is named <set>-<i> (from
//     spec.ordinals.start, 0 by default), labelled
//     statefulset.kubernetes.io/pod-name and apps.kubernetes.io/pod-index,
//     with spec.hostname its name and spec.subdomain the set's
//     spec.serviceName. A pod deleted, failed or succeeded is deleted if
//     need be and made again under the same name.
//   - Ownership: the set owns the pods its selector matches whose name is
//     <set>-<ordinal>, through a controller reference; it adopts such
//     orphans and releases pods it no longer matches (kube's ClaimPods).
//   - OrderedReady (the default): decide stops at the first thing to do
//     or wait for, so a sync creates or deletes at most one pod. Ordinal i
//     is created only once every lower ordinal is Running and Ready (and
//     available after minReadySeconds); a scale-down deletes the highest
//     ordinal first and waits until it is gone before the next. Parallel
//     creates and deletes them all at once.
//   - RollingUpdate: the revision of the template is <set>-<hash>, the hash
//     kube's controller.ComputeHash makes of it; each pod carries the
//     revision it was made from in controller-revision-hash. Pods not of
//     the update revision are deleted from the highest ordinal down to the
//     partition, one at a time once the pods above are available again,
//     and come back at the update revision. OnDelete replaces a pod only
//     once someone deletes it.
//   - status: replicas, readyReplicas, availableReplicas, currentReplicas,
//     updatedReplicas, currentRevision, updateRevision and
//     observedGeneration, counted as kube does; once every pod is updated
//     and ready the update revision becomes the current one.
//
// What kube does and this controller does not: ControllerRevisions are not
// served, so no history is stored (kubectl rollout undo has none to read),
// and a pod made again below the partition gets the set's template — the
// update revision — where kube would remake it from the current revision's
// stored template. volumeClaimTemplates are stored and passed through
// with the set, but not acted on: there is no volume provisioner yet, so no
// PersistentVolumeClaims are made and pods get no claim volumes. The pods'
// identity is set when they are made, not mended on existing pods, and
// maxUnavailable (an alpha field) is not read.
//
// The shape is the kit's: informers on StatefulSets and pods → a work
// queue of set keys → sync, which claims the pods, asks the pure decide
// what to do (decide.go), does it, and writes the status. Expectations
// (components/controllers/expectations) hold the next decision until the
// informer shows this one's creates and deletes.
package statefulset
