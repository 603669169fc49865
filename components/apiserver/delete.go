package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/api"
)

// deleteAttempts bounds the retries of a delete that raced another write.
const deleteAttempts = 5

func (s *Server) serveDelete(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) {
	opts, err := deleteOptions(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	obj, err := s.deleteNamed(ctx, req.resource, req.namespace, req.name, opts)
	if err != nil {
		writeError(w, err)
		return
	}
	writeResult(w, r, http.StatusOK, obj)
}

func (s *Server) serveDeleteCollection(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) {
	opts, err := deleteOptions(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	f, err := parseFilter(req.resource, r.URL.Query())
	if err != nil {
		writeError(w, err)
		return
	}
	items, _, err := s.store.List(ctx, req.resource, req.namespace, 0)
	if err != nil {
		writeError(w, err)
		return
	}
	// Refused before anything is deleted: a bad request changes nothing.
	for _, item := range items {
		if f.matches(req.resource, item) {
			if err := refuseImmortal(req.resource, mustMeta(item).GetName()); err != nil {
				writeError(w, err)
				return
			}
		}
	}
	var deleted []runtime.Object
	for _, item := range items {
		if !f.matches(req.resource, item) {
			continue
		}
		m := mustMeta(item)
		obj, err := s.deleteNamed(ctx, req.resource, m.GetNamespace(), m.GetName(), opts)
		if err != nil && !apierrors.IsNotFound(err) {
			writeError(w, err)
			return
		}
		if err == nil {
			deleted = append(deleted, obj)
		}
	}
	list, _, err := buildList(req.resource, deleted, f, 0)
	if err != nil {
		writeError(w, err)
		return
	}
	writeResult(w, r, http.StatusOK, list)
}

// deleteOptions reads DeleteOptions from the body and the query, as
// kubectl sends the body and curl users the query.
func deleteOptions(w http.ResponseWriter, r *http.Request) (*metav1.DeleteOptions, error) {
	opts := &metav1.DeleteOptions{}
	if r.ContentLength != 0 && r.Body != nil {
		data, err := readBody(w, r)
		if err != nil {
			return nil, err
		}
		if err := decodeOptions(r, data, opts, "DeleteOptions"); err != nil {
			return nil, err
		}
	}
	q := r.URL.Query()
	if v := q.Get("gracePeriodSeconds"); v != "" {
		g, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid gracePeriodSeconds %q", v))
		}
		opts.GracePeriodSeconds = &g
	}
	if v := q.Get("propagationPolicy"); v != "" {
		opts.PropagationPolicy = ptr.To(metav1.DeletionPropagation(v))
	}
	opts.DryRun = append(opts.DryRun, q["dryRun"]...)
	return opts, validateDeleteOptions(opts)
}

func validateDeleteOptions(opts *metav1.DeleteOptions) error {
	if g := opts.GracePeriodSeconds; g != nil && *g < 0 {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid gracePeriodSeconds %d: it must be 0 or more", *g))
	}
	if p := opts.PropagationPolicy; p != nil {
		switch *p {
		case metav1.DeletePropagationOrphan, metav1.DeletePropagationBackground, metav1.DeletePropagationForeground:
		default:
			return apierrors.NewBadRequest(fmt.Sprintf("invalid propagationPolicy %q: use Orphan, Background or Foreground", *p))
		}
	}
	if opts.OrphanDependents != nil && opts.PropagationPolicy != nil {
		return apierrors.NewBadRequest("orphanDependents and propagationPolicy cannot both be set: use propagationPolicy")
	}
	return checkDryRun(map[string][]string{"dryRun": opts.DryRun})
}

// deleteNamed deletes one object by name, retrying when it raced a write.
func (s *Server) deleteNamed(ctx context.Context, r api.Resource, namespace, name string, opts *metav1.DeleteOptions) (runtime.Object, error) {
	if err := refuseImmortal(r, name); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		cur, err := s.store.Get(ctx, r, namespace, name)
		if err != nil {
			return nil, err
		}
		if err := checkPreconditions(r, cur, opts.Preconditions); err != nil {
			return nil, err
		}
		obj, err := s.deleteObject(ctx, r, cur, opts)
		if !(apierrors.IsConflict(err) && opts.Preconditions == nil && attempt < deleteAttempts) {
			return obj, err
		}
	}
}

// refuseImmortal answers 403 to deleting a system namespace, as
// kube-apiserver's NamespaceLifecycle admission does: the cluster's own
// components live in them.
func refuseImmortal(r api.Resource, name string) error {
	if r.Group != "" || r.Resource != "namespaces" || !slices.Contains(systemNamespaces, name) {
		return nil
	}
	return apierrors.NewForbidden(r.GroupResource(), name, errors.New("this namespace may not be deleted"))
}

func checkPreconditions(r api.Resource, cur runtime.Object, pre *metav1.Preconditions) error {
	if pre == nil {
		return nil
	}
	m := mustMeta(cur)
	if pre.UID != nil && *pre.UID != m.GetUID() {
		return apierrors.NewConflict(r.GroupResource(), m.GetName(),
			fmt.Errorf("precondition failed: UID in precondition: %s, UID in object meta: %s", *pre.UID, m.GetUID()))
	}
	if pre.ResourceVersion != nil && *pre.ResourceVersion != m.GetResourceVersion() {
		return apierrors.NewConflict(r.GroupResource(), m.GetName(),
			fmt.Errorf("precondition failed: ResourceVersion in precondition: %s, ResourceVersion in object meta: %s", *pre.ResourceVersion, m.GetResourceVersion()))
	}
	return nil
}

// deleteObject deletes cur, or marks it for deletion when something must
// happen first: finalizers to be removed by their owners, a pod's grace
// period for its kubelet, a namespace's contents to be deleted.
func (s *Server) deleteObject(ctx context.Context, r api.Resource, cur runtime.Object, opts *metav1.DeleteOptions) (runtime.Object, error) {
	next := cur.DeepCopyObject()
	m := mustMeta(next)
	grace := gracePeriod(next, opts)
	addPropagationFinalizer(m, opts)
	if m.GetDeletionTimestamp() == nil || shortens(m, grace) {
		m.SetDeletionTimestamp(ptr.To(metav1.NewTime(metav1.Now().Add(secondsDuration(grace)))))
		m.SetDeletionGracePeriodSeconds(&grace)
	}
	if ns, ok := next.(*corev1.Namespace); ok {
		ns.Status.Phase = corev1.NamespaceTerminating
	}
	if len(opts.DryRun) > 0 || equality.Semantic.DeepEqual(next, cur) {
		return next, nil // a repeated delete of an object already on its way out changes nothing
	}
	if readyToRemove(next) {
		return s.remove(ctx, r, next)
	}
	return s.store.Update(ctx, r, next)
}

// readyToRemove reports whether an object marked for deletion can go now:
// no finalizer holds it and no grace period is running.
func readyToRemove(obj runtime.Object) bool {
	m := mustMeta(obj)
	if m.GetDeletionTimestamp() == nil || len(m.GetFinalizers()) > 0 {
		return false
	}
	if ns, ok := obj.(*corev1.Namespace); ok && len(ns.Spec.Finalizers) > 0 {
		return false
	}
	g := m.GetDeletionGracePeriodSeconds()
	return g == nil || *g == 0
}

// remove deletes obj from the store at its resourceVersion. What depended
// on it is the garbage collector's (controller-manager) to find; what a
// Terminating namespace holds, the namespace controller's.
func (s *Server) remove(ctx context.Context, r api.Resource, obj runtime.Object) (runtime.Object, error) {
	removed, err := s.store.Delete(ctx, r, obj)
	if err == nil {
		s.release(ctx, removed)
	}
	return removed, err
}

// gracePeriod is how long a deleted object waits for its owner to confirm:
// only a pod that runs on a node waits, for its kubelet to stop it; a pod
// never scheduled, or one that has finished, goes at once.
func gracePeriod(obj runtime.Object, opts *metav1.DeleteOptions) int64 {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return 0
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0
	}
	if opts.GracePeriodSeconds != nil {
		return *opts.GracePeriodSeconds
	}
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		return *g
	}
	return corev1.DefaultTerminationGracePeriodSeconds
}

// shortens reports whether a second delete asks for less time than the first.
func shortens(m metav1.Object, grace int64) bool {
	g := m.GetDeletionGracePeriodSeconds()
	return g != nil && grace < *g
}

// addPropagationFinalizer records how dependents are to be treated:
// Foreground waits for them to be deleted first, Orphan for them to be
// released. Background needs no finalizer: they go after the owner.
func addPropagationFinalizer(m metav1.Object, opts *metav1.DeleteOptions) {
	policy := metav1.DeletePropagationBackground
	if opts.PropagationPolicy != nil {
		policy = *opts.PropagationPolicy
	} else if opts.OrphanDependents != nil && *opts.OrphanDependents {
		policy = metav1.DeletePropagationOrphan
	}
	var f string
	switch policy {
	case metav1.DeletePropagationForeground:
		f = metav1.FinalizerDeleteDependents
	case metav1.DeletePropagationOrphan:
		f = metav1.FinalizerOrphanDependents
	default:
		return
	}
	for _, have := range m.GetFinalizers() {
		if have == f {
			return
		}
	}
	if m.GetDeletionTimestamp() == nil {
		m.SetFinalizers(append(m.GetFinalizers(), f))
	}
}

func secondsDuration(s int64) time.Duration { return time.Duration(s) * time.Second }
