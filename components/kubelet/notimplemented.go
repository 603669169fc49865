package kubelet

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/kit/stubreport"
)

// reportStub says on the pod of key that syncing it met a stub of the
// learner's core (Plan, Status, …): a Warning Event NotImplemented and the
// pod condition ownkube.io/NotImplemented, written through the source like
// any status. The pod's other status is kept as the API has it: the
// kubelet could not compute a new one.
func (k *Kubelet) reportStub(ctx context.Context, key string, err error) {
	pod := k.source.Pod(key)
	if pod == nil || pod.DeletionTimestamp != nil {
		return // nothing to report on: a leftover's teardown, or a pod going away
	}
	ni := k.stubs.Report(pod, err)
	status := pod.Status.DeepCopy()
	conds, changed := stubreport.SetPodCondition(status.Conditions, ni, metav1.Now())
	if !changed {
		return
	}
	status.Conditions = conds
	if uerr := k.source.UpdateStatus(ctx, pod, *status); uerr != nil && ctx.Err() == nil {
		k.log.Warn("report a stub on its pod", "pod", key, "err", uerr)
	}
}
