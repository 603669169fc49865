package apiserver

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// serveBinding is pods/binding: the scheduler's one write. It sets
// spec.nodeName once; a pod that already has a node is a 409, so two
// schedulers racing for a pod cannot both win.
func (s *Server) serveBinding(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) {
	data, err := readBody(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	binding := &corev1.Binding{}
	if err := decodeOptions(r, data, binding, "Binding"); err != nil {
		writeError(w, err)
		return
	}
	if binding.Name != "" && binding.Name != req.name {
		writeError(w, apierrors.NewBadRequest(fmt.Sprintf("the binding names pod %s but the URL names %s", binding.Name, req.name)))
		return
	}
	if binding.Target.Name == "" || (binding.Target.Kind != "" && binding.Target.Kind != "Node") {
		writeError(w, apierrors.NewBadRequest("a binding's target must name a Node: {\"target\":{\"kind\":\"Node\",\"name\":\"<node>\"}}"))
		return
	}
	if err := s.bind(ctx, req, binding, isDryRun(r)); err != nil {
		writeError(w, err)
		return
	}
	writeResult(w, r, http.StatusCreated, &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated})
}

func (s *Server) bind(ctx context.Context, req *request, binding *corev1.Binding, dryRun bool) error {
	for attempt := 1; ; attempt++ {
		obj, err := s.store.Get(ctx, req.resource, req.namespace, req.name)
		if err != nil {
			return err
		}
		pod := obj.(*corev1.Pod)
		if err := checkBindable(pod, binding); err != nil || dryRun {
			return err
		}
		pod.Spec.NodeName = binding.Target.Name
		setPodCondition(&pod.Status, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue})
		_, err = s.store.Update(ctx, req.resource, pod)
		if !(apierrors.IsConflict(err) && attempt < deleteAttempts) {
			return err
		}
	}
}

func checkBindable(pod *corev1.Pod, binding *corev1.Binding) error {
	gr := corev1.Resource("pods")
	if pod.Spec.NodeName != "" {
		return apierrors.NewConflict(gr, pod.Name, fmt.Errorf("pod %s is already assigned to node %q", pod.Name, pod.Spec.NodeName))
	}
	if pod.DeletionTimestamp != nil {
		return apierrors.NewConflict(gr, pod.Name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", pod.Name))
	}
	if uid := binding.UID; uid != "" && uid != pod.UID {
		return apierrors.NewConflict(gr, pod.Name, fmt.Errorf("the binding is for pod uid %s, the pod's uid is %s", uid, pod.UID))
	}
	return nil
}

// setPodCondition sets or replaces the condition of c's type.
func setPodCondition(status *corev1.PodStatus, c corev1.PodCondition) {
	c.LastTransitionTime = metav1.Now()
	for i := range status.Conditions {
		if status.Conditions[i].Type == c.Type {
			if status.Conditions[i].Status == c.Status {
				c.LastTransitionTime = status.Conditions[i].LastTransitionTime
			}
			status.Conditions[i] = c
			return
		}
	}
	status.Conditions = append(status.Conditions, c)
}
