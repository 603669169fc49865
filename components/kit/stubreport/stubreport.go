// Package stubreport is how a component's shell says that a learner's core
// it called is a stub (exercise.NotImplemented): once per object, a Warning
// Event with reason NotImplemented on the object and an error log line;
// on a pod also the condition ownkube.io/NotImplemented, which the e2e
// framework's waits look for so that a spec depending on a stub stops at
// once, naming the function, instead of waiting out its timeout.
//
// The shells (kubelet, scheduler, controllers) call Report where a core's
// error comes back, and keep their normal back-off: a stub is retried no
// faster than any other failure, since a learner may write it meanwhile.
package stubreport

import (
	"log/slog"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"

	"github.com/ownkube/ownkube/components/kit/exercise"
)

// Reporter records the stubs a component met, once per object and stub.
type Reporter struct {
	recorder record.EventRecorder
	log      *slog.Logger

	mu   sync.Mutex
	seen map[seenKey]bool
}

type seenKey struct {
	uid      string
	function string
}

// New returns a Reporter that records events through recorder and logs to log.
func New(recorder record.EventRecorder, log *slog.Logger) *Reporter {
	if log == nil {
		log = slog.Default()
	}
	return &Reporter{recorder: recorder, log: log, seen: map[seenKey]bool{}}
}

// Report says, the first time for obj and this stub, that err comes from a
// stub: a Warning Event NotImplemented on obj and an error log line. It
// returns the stub's error, or nil (and does nothing) when err is not one.
func (r *Reporter) Report(obj runtime.Object, err error) *exercise.NotImplementedError {
	ni, ok := exercise.As(err)
	if !ok {
		return nil
	}
	m, merr := meta.Accessor(obj)
	if merr != nil {
		r.log.Error("a learner's core is a stub", "err", err)
		return ni
	}
	key := seenKey{uid: string(m.GetUID()) + "/" + m.GetNamespace() + "/" + m.GetName(), function: ni.Function}
	r.mu.Lock()
	first := !r.seen[key]
	r.seen[key] = true
	r.mu.Unlock()
	if first {
		name := m.GetName()
		if m.GetNamespace() != "" {
			name = m.GetNamespace() + "/" + name
		}
		r.log.Error("a learner's core is a stub: write it to pass this stage",
			"object", name, "stage", ni.Stage, "function", ni.Function, "err", err)
		r.recorder.Event(obj, corev1.EventTypeWarning, exercise.Reason, ni.Error())
	}
	return ni
}

// PodCondition is the pod condition that says ni is a stub.
func PodCondition(ni *exercise.NotImplementedError, now metav1.Time) corev1.PodCondition {
	return corev1.PodCondition{Type: exercise.ConditionType, Status: corev1.ConditionTrue,
		Reason: exercise.Reason, Message: ni.Error(), LastTransitionTime: now}
}

// SetPodCondition returns conds with the condition of ni set, and whether
// that changed them (a condition saying the same is kept, with its time).
func SetPodCondition(conds []corev1.PodCondition, ni *exercise.NotImplementedError, now metav1.Time) ([]corev1.PodCondition, bool) {
	c := PodCondition(ni, now)
	for i := range conds {
		if conds[i].Type != c.Type {
			continue
		}
		if conds[i].Status == c.Status && conds[i].Reason == c.Reason && conds[i].Message == c.Message {
			return conds, false
		}
		out := append([]corev1.PodCondition(nil), conds...)
		out[i] = c
		return out, true
	}
	return append(append([]corev1.PodCondition(nil), conds...), c), true
}

// NodeReady is the Ready condition of a node whose ReadyCondition core is
// ni: False with reason NotImplemented. The transition time of a previous
// Ready condition is kept while its status stays False.
func NodeReady(previous []corev1.NodeCondition, ni *exercise.NotImplementedError, now metav1.Time) corev1.NodeCondition {
	c := corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionFalse, Reason: exercise.Reason,
		Message: ni.Error(), LastHeartbeatTime: now, LastTransitionTime: now}
	for _, p := range previous {
		if p.Type == corev1.NodeReady && p.Status == c.Status {
			c.LastTransitionTime = p.LastTransitionTime
		}
	}
	return c
}
