package kubelet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/uuid"

	"github.com/ownkube/ownkube/components/kit/exercise"
)

// PushSource is the Source of the coupled stages of the kit, where no API
// server runs: pods are pushed to the node over HTTP (push_http.go) and
// held in memory; their status is kept beside them and answered back.
//
// Its methods that wait (Put, Delete) return once the kubelet's loop has
// done its part: the pod's containers have started or failed, or the pod
// is gone. A sync that fails with a learner's "not implemented" ends the
// wait at once with that error, so a stub is reported, not waited out.
type PushSource struct {
	node string

	mu      sync.Mutex
	pods    map[string]*corev1.Pod
	errs    map[string]error // the last failed sync of each key
	changed chan struct{}    // closed at every change, then replaced
	enqueue func(key string)
	now     func() time.Time
}

// NewPushSource returns an empty source of the pods pushed to node.
func NewPushSource(node string) *PushSource {
	return &PushSource{node: node, pods: map[string]*corev1.Pod{}, errs: map[string]error{},
		changed: make(chan struct{}), enqueue: func(string) {}, now: time.Now}
}

func (s *PushSource) Start(_ context.Context, enqueue func(string)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enqueue = enqueue
	for key := range s.pods {
		enqueue(key)
	}
	return nil
}

// HasSynced is always true: nothing was pushed before the node started, so
// whatever runs that the source does not hold is a leftover.
func (s *PushSource) HasSynced() bool { return true }

func (s *PushSource) Pod(key string) *corev1.Pod {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pods[key] // replaced, never modified, so safe to share
}

func (s *PushSource) Pods() []*corev1.Pod {
	s.mu.Lock()
	defer s.mu.Unlock()
	pods := make([]*corev1.Pod, 0, len(s.pods))
	for _, p := range s.pods {
		pods = append(pods, p)
	}
	slices.SortFunc(pods, func(a, b *corev1.Pod) int { return strings.Compare(podKey(a), podKey(b)) })
	return pods
}

func (s *PushSource) UpdateStatus(_ context.Context, pod *corev1.Pod, status corev1.PodStatus) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := podKey(pod)
	cur := s.pods[key]
	if cur == nil || cur.UID != pod.UID {
		return nil // deleted meanwhile, or replaced by a new pod of the name
	}
	next := cur.DeepCopy()
	next.Status = *status.DeepCopy()
	s.pods[key] = next
	s.notifyLocked()
	return nil
}

func (s *PushSource) Finish(_ context.Context, pod *corev1.Pod) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := podKey(pod)
	if cur := s.pods[key]; cur != nil && cur.UID == pod.UID {
		delete(s.pods, key)
		delete(s.errs, key)
		s.notifyLocked()
	}
	return nil
}

// Synced is told the outcome of every sync of key by the kubelet's loop.
func (s *PushSource) Synced(key string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.errs, key)
	} else {
		s.errs[key] = err
	}
	if pod := s.pods[key]; pod != nil {
		switch {
		case exercise.IsNotImplemented(err):
			s.pods[key] = withNotImplemented(pod, err, s.now())
		case err == nil && slices.ContainsFunc(pod.Status.Conditions, isNotImplemented):
			next := pod.DeepCopy() // the stub has been written since
			next.Status.Conditions = slices.DeleteFunc(next.Status.Conditions, isNotImplemented)
			s.pods[key] = next
		}
	}
	s.notifyLocked()
}

// ConditionNotImplemented is the condition a pod carries while a stub of the
// learner's keeps the kubelet from syncing it.
const ConditionNotImplemented corev1.PodConditionType = "ownkube.io/NotImplemented"

func isNotImplemented(c corev1.PodCondition) bool { return c.Type == ConditionNotImplemented }

// withNotImplemented is pod with the condition that says which stub stops it.
func withNotImplemented(pod *corev1.Pod, err error, now time.Time) *corev1.Pod {
	c := corev1.PodCondition{Type: ConditionNotImplemented, Status: corev1.ConditionTrue, Reason: "NotImplemented",
		Message: err.Error(), LastTransitionTime: metav1.Time{Time: now}}
	for _, old := range pod.Status.Conditions {
		if old.Type == c.Type && old.Message == c.Message {
			return pod
		}
	}
	next := pod.DeepCopy()
	next.Status.Conditions = slices.DeleteFunc(next.Status.Conditions, isNotImplemented)
	next.Status.Conditions = append(next.Status.Conditions, c)
	return next
}

func (s *PushSource) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Put admits pod (defaulted and valid; see decodePod) and waits until its
// containers have started or failed. It returns the pod with its status and
// whether it was created (false: it was there already). Errors are API
// errors: 409 for another pod of the name, 501 for a stub of the learner's,
// 504 when the containers did not start in time.
func (s *PushSource) Put(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, bool, error) {
	key := podKey(pod)
	s.mu.Lock()
	admitted, created, err := admitPush(s.pods[key], pod, s.node, s.now())
	if err == nil {
		s.pods[key] = admitted
		if created {
			delete(s.errs, key)
		}
		s.notifyLocked()
		s.enqueue(key)
	}
	s.mu.Unlock()
	if err != nil {
		return nil, false, err
	}
	got, err := s.waitFor(ctx, key, func(p *corev1.Pod) bool { return p == nil || p.UID != admitted.UID || podStarted(p) })
	if err != nil {
		return nil, false, err
	}
	if got == nil || got.UID != admitted.UID {
		return nil, false, apierrors.NewConflict(podsResource, pod.Name, errors.New("the pod was deleted or replaced while it started"))
	}
	return got, created, nil
}

// Delete marks the pod of key for deletion and waits until the kubelet has
// torn it down. It returns the pod as last held.
func (s *PushSource) Delete(ctx context.Context, key string, grace *int64) (*corev1.Pod, error) {
	s.mu.Lock()
	cur := s.pods[key]
	if cur == nil {
		s.mu.Unlock()
		return nil, notFound(key, s.node)
	}
	if cur.DeletionTimestamp == nil {
		next := cur.DeepCopy()
		next.DeletionTimestamp = &metav1.Time{Time: s.now()}
		next.DeletionGracePeriodSeconds = cmpOr(grace, next.Spec.TerminationGracePeriodSeconds)
		if grace != nil {
			next.Spec.TerminationGracePeriodSeconds = grace
		}
		s.pods[key] = next
		cur = next
		s.notifyLocked()
		s.enqueue(key)
	}
	s.mu.Unlock()
	uid := cur.UID
	if _, err := s.waitFor(ctx, key, func(p *corev1.Pod) bool { return p == nil || p.UID != uid }); err != nil {
		return nil, err
	}
	return cur, nil
}

// waitFor waits until done holds for the pod of key (nil once it is gone),
// a sync of key fails with a stub's error, or ctx ends.
func (s *PushSource) waitFor(ctx context.Context, key string, done func(*corev1.Pod) bool) (*corev1.Pod, error) {
	for {
		s.mu.Lock()
		pod, syncErr, changed := s.pods[key], s.errs[key], s.changed
		s.mu.Unlock()
		switch {
		case done(pod):
			return pod, nil
		case exercise.IsNotImplemented(syncErr):
			return nil, notImplemented(syncErr)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			msg := fmt.Sprintf("pod %s on node %s: not done in time", key, s.node)
			if syncErr != nil {
				msg += "; the last sync failed: " + syncErr.Error()
			}
			return nil, apierrors.NewTimeoutError(msg, 1)
		}
	}
}

// podStarted reports whether every container of pod has started or failed
// to (waiting for a reason other than being created), or the pod is done.
func podStarted(pod *corev1.Pod) bool {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return true
	}
	if len(pod.Status.ContainerStatuses) < len(pod.Spec.Containers) {
		return false
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if w := cs.State.Waiting; cs.State.Running == nil && cs.State.Terminated == nil &&
			(w == nil || w.Reason == "" || w.Reason == "ContainerCreating" || w.Reason == "PodInitializing") {
			return false
		}
	}
	return true
}

// admitPush decides what a PUT of incoming does, given the pod the node
// holds under its name (nil: none). A new name is admitted with a UID and
// a creation time; the same pod again (same UID, or no UID and the same
// spec) keeps its status and takes the new labels and annotations; another
// pod of the name is a conflict, as is one being deleted.
func admitPush(existing, incoming *corev1.Pod, node string, now time.Time) (*corev1.Pod, bool, error) {
	if existing == nil {
		p := incoming.DeepCopy()
		if p.UID == "" {
			p.UID = uuid.NewUUID()
		}
		p.CreationTimestamp = metav1.Time{Time: now}
		p.Spec.NodeName = node
		p.ResourceVersion, p.Status = "", corev1.PodStatus{Phase: corev1.PodPending}
		return p, true, nil
	}
	key := podKey(existing)
	if existing.DeletionTimestamp != nil {
		return nil, false, apierrors.NewConflict(podsResource, existing.Name,
			fmt.Errorf("pod %s is being deleted from node %s; push it again once it is gone", key, node))
	}
	if !samePod(existing, incoming, node) {
		return nil, false, apierrors.NewConflict(podsResource, existing.Name,
			fmt.Errorf("a different pod %s already runs on node %s; delete it first", key, node))
	}
	p := existing.DeepCopy()
	p.Labels, p.Annotations = incoming.Labels, incoming.Annotations
	return p, false, nil
}

// samePod reports whether incoming is existing pushed again.
func samePod(existing, incoming *corev1.Pod, node string) bool {
	if incoming.UID != "" {
		return incoming.UID == existing.UID
	}
	spec := incoming.Spec.DeepCopy()
	spec.NodeName = node
	return equality.Semantic.DeepEqual(spec, &existing.Spec)
}

var podsResource = corev1.Resource("pods")

func notFound(key, node string) error {
	err := apierrors.NewNotFound(podsResource, key)
	err.ErrStatus.Message = fmt.Sprintf("pod %s is not on node %s", key, node)
	return err
}

// notImplemented is the 501 Status of a learner's stub.
func notImplemented(err error) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: 501,
		Reason: "NotImplemented", Message: err.Error()}}
}

func podKey(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }

func cmpOr(ps ...*int64) *int64 {
	for _, p := range ps {
		if p != nil {
			v := *p
			return &v
		}
	}
	return nil
}
