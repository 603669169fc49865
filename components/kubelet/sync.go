package kubelet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ownkube/ownkube/components/kubelet/core"
	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// errNotSynced asks for a sync to be retried once the source has synced.
var errNotSynced = errors.New("kubelet: the pod source has not synced yet")

// sync makes what runs for one pod key match the pod, and reports its
// status. Leftovers under the key — containers of an older pod of the same
// name — are torn down first.
func (k *Kubelet) sync(ctx context.Context, key string) error {
	if !k.source.HasSynced() {
		return errNotSynced // never tear down what the source may still announce
	}
	pod := k.source.Pod(key)
	all, err := k.runtime.Pods(ctx)
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	var observed *podstate.Pod
	for i := range all {
		rp := &all[i]
		switch {
		case rp.Namespace+"/"+rp.Name != key:
		case pod != nil && rp.UID == pod.UID:
			observed = rp
		default:
			if err := k.syncPod(ctx, key, nil, *rp); err != nil {
				return err
			}
		}
	}
	if pod == nil {
		return nil
	}
	if observed == nil {
		observed = &podstate.Pod{UID: pod.UID, Namespace: pod.Namespace, Name: pod.Name}
	}
	return k.syncPod(ctx, key, pod, *observed)
}

// syncPod plans and acts for one pod (nil: one that must go), then reports.
func (k *Kubelet) syncPod(ctx context.Context, key string, pod *corev1.Pod, observed podstate.Pod) error {
	if pod != nil {
		observed.MissingImages = k.missingImages(ctx, pod)
	}
	probes := k.probes.results(pod, observed)
	actions, err := core.Plan(pod, observed, probes, time.Now(), k.cfg.Policy)
	if err != nil {
		return fmt.Errorf("plan pod %s: %w", key, err)
	}
	if err := k.execute(ctx, key, pod, &observed, actions); err != nil {
		return err
	}
	if pod == nil || pod.DeletionTimestamp != nil {
		return k.finishIfGone(ctx, key, pod, actions)
	}
	if changes(actions) {
		missing := observed.MissingImages // checked above; checking again would only repeat its event
		if observed, err = k.observe(ctx, pod); err != nil {
			return err
		}
		observed.MissingImages = missing
	}
	k.probes.update(key, pod, observed)
	return k.report(ctx, pod, observed, k.probes.results(pod, observed))
}

// finishIfGone tells the source a deleted pod is gone once its teardown
// planned nothing more; otherwise it looks again at once.
func (k *Kubelet) finishIfGone(ctx context.Context, key string, pod *corev1.Pod, actions []podstate.Action) error {
	if len(actions) > 0 {
		k.queue.Add(key)
		return nil
	}
	if pod == nil {
		return nil
	}
	k.probes.forget(pod.UID)
	if err := k.source.Finish(ctx, pod); err != nil {
		return err
	}
	k.log.Info("pod removed", "pod", key)
	return nil
}

// observe asks the runtime what runs for pod.
func (k *Kubelet) observe(ctx context.Context, pod *corev1.Pod) (podstate.Pod, error) {
	all, err := k.runtime.Pods(ctx)
	if err != nil {
		return podstate.Pod{}, fmt.Errorf("list containers: %w", err)
	}
	for _, rp := range all {
		if rp.UID == pod.UID {
			return rp, nil
		}
	}
	return podstate.Pod{UID: pod.UID, Namespace: pod.Namespace, Name: pod.Name}, nil
}

// report writes the pod's status when it differs from what the API has.
func (k *Kubelet) report(ctx context.Context, pod *corev1.Pod, observed podstate.Pod, probes podstate.Probes) error {
	status, err := core.Status(pod, observed, probes, time.Now())
	if err != nil {
		return fmt.Errorf("compute status of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	status.HostIP, status.HostIPs = k.cfg.NodeIP, []corev1.HostIP{{IP: k.cfg.NodeIP}}
	if equality.Semantic.DeepEqual(status, pod.Status) {
		return nil
	}
	return k.source.UpdateStatus(ctx, pod, status)
}

// changes reports whether a plan changes what runs (a wait does not).
func changes(actions []podstate.Action) bool {
	for _, a := range actions {
		if _, wait := a.(podstate.WaitUntil); !wait {
			return true
		}
	}
	return false
}

// statusPatch is a JSON merge patch that sets a pod's status, guarded by
// the pod's UID so it never lands on a new pod of the same name.
func statusPatch(uid types.UID, status corev1.PodStatus) ([]byte, error) {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"uid": uid}, "status": status})
	if err != nil {
		return nil, fmt.Errorf("encode status patch: %w", err)
	}
	return patch, nil
}
