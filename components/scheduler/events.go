package scheduler

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/tools/cache"

	"github.com/ownkube/ownkube/components/scheduler/snapshot"
)

// watch registers the informers and their handlers. The handlers only keep
// the cluster cache up to date and enqueue keys: every decision is sync's.
func (s *Scheduler) watch() error {
	pods := s.factory.Core().V1().Pods().Informer()
	nodes := s.factory.Core().V1().Nodes().Informer()
	if _, err := pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { s.podAdded(obj.(*corev1.Pod)) },
		UpdateFunc: func(old, obj any) { s.podUpdated(old.(*corev1.Pod), obj.(*corev1.Pod)) },
		DeleteFunc: func(obj any) {
			if pod, ok := tombstoned[*corev1.Pod](obj); ok {
				s.podDeleted(pod)
			}
		},
	}); err != nil {
		return fmt.Errorf("scheduler: watch pods: %w", err)
	}
	if _, err := nodes.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { s.nodeAdded(obj.(*corev1.Node)) },
		UpdateFunc: func(old, obj any) { s.nodeUpdated(old.(*corev1.Node), obj.(*corev1.Node)) },
		DeleteFunc: func(obj any) {
			if node, ok := tombstoned[*corev1.Node](obj); ok {
				s.cluster.removeNode(node.Name)
			}
		},
	}); err != nil {
		return fmt.Errorf("scheduler: watch nodes: %w", err)
	}
	s.pods = pods.GetIndexer()
	s.synced = []cache.InformerSynced{pods.HasSynced, nodes.HasSynced}
	return nil
}

// tombstoned unwraps the object of a delete event, which is a
// DeletedFinalStateUnknown when the watch missed the delete itself.
func tombstoned[T any](obj any) (T, bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	v, ok := obj.(T)
	return v, ok
}

// occupies reports whether pod takes room on a node: bound and not
// finished (a pod being deleted still runs until it is gone).
func occupies(pod *corev1.Pod) bool { return pod.Spec.NodeName != "" && !finished(pod) }

func (s *Scheduler) podAdded(pod *corev1.Pod) {
	switch {
	case occupies(pod):
		s.cluster.addPod(pod)
	case s.wants(pod):
		s.queue.Add(key(pod))
	}
}

func (s *Scheduler) podUpdated(old, pod *corev1.Pod) {
	k := key(pod)
	switch {
	case occupies(pod):
		s.parking.remove(k) // bound, by us or another scheduler
		s.cluster.addPod(pod)
		if occupies(old) && snapshot.PodRequests(old) != snapshot.PodRequests(pod) {
			s.moveParked("a bound pod was resized")
		}
	case occupies(old):
		// It finished: its room is free.
		if s.cluster.removePod(pod.UID) {
			s.moveParked("a bound pod finished")
		}
	case !s.wants(pod):
		s.parking.remove(k)
	case !equality.Semantic.DeepEqual(old.Spec, pod.Spec) || !equality.Semantic.DeepEqual(old.Labels, pod.Labels):
		// E.g. a toleration added. A change of status alone, such as our
		// own report, changes nothing: the pod is queued, backing off, or
		// parked already.
		if !s.parking.move(k) {
			s.queue.Add(k)
		}
	}
}

func (s *Scheduler) podDeleted(pod *corev1.Pod) {
	s.parking.remove(key(pod))
	s.queue.Forget(key(pod)) // its back-off is no one's any more
	if s.cluster.removePod(pod.UID) {
		s.moveParked("a bound pod was deleted")
	}
}

func (s *Scheduler) nodeAdded(node *corev1.Node) {
	s.cluster.setNode(node)
	s.moveParked("a node was added")
}

func (s *Scheduler) nodeUpdated(old, node *corev1.Node) {
	s.cluster.setNode(node)
	if schedulingChanged(old, node) {
		s.moveParked("a node changed")
	}
}

// schedulingChanged reports whether a node changed in a way that can make
// a pod fit that did not: a heartbeat alone does not.
func schedulingChanged(old, node *corev1.Node) bool {
	return !equality.Semantic.DeepEqual(old.Status.Allocatable, node.Status.Allocatable) ||
		!equality.Semantic.DeepEqual(old.Labels, node.Labels) ||
		!equality.Semantic.DeepEqual(old.Spec.Taints, node.Spec.Taints) ||
		old.Spec.Unschedulable != node.Spec.Unschedulable ||
		ready(old) != ready(node)
}

func ready(node *corev1.Node) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// moveParked sends the parked pods back to the queue: the cluster changed.
func (s *Scheduler) moveParked(why string) {
	if n := s.parking.moveAll(); n > 0 {
		s.log.Debug("retrying parked pods", "pods", n, "because", why)
	}
}

// key is the queue's name for a pod: namespace/name.
func key(pod *corev1.Pod) string { return pod.Namespace + "/" + pod.Name }
