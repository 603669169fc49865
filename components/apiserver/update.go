package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"reflect"

	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ownkube/ownkube/components/api"
)

func (s *Server) serveUpdate(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) {
	obj, err := readObject(w, r, req.resource)
	if err != nil {
		writeError(w, err)
		return
	}
	cur, err := s.store.Get(ctx, req.resource, req.namespace, req.name)
	if err != nil {
		writeError(w, err)
		return
	}
	updated, err := s.update(ctx, req, obj, cur, isDryRun(r))
	if err != nil {
		writeError(w, err)
		return
	}
	writeResult(w, r, http.StatusOK, updated)
}

// update writes obj, a client's new version of cur, through the rules of
// req's subresource: the main resource may not change status, /status may
// change nothing else, /finalize only a namespace's spec.finalizers.
func (s *Server) update(ctx context.Context, req *request, obj, cur runtime.Object, dryRun bool) (runtime.Object, error) {
	if err := checkIdentity(req, obj); err != nil {
		return nil, err
	}
	next, err := prepareUpdate(req.resource, req.subresource, obj, cur)
	if err != nil {
		return nil, err
	}
	if equality.Semantic.DeepEqual(next, cur) {
		return cur, nil // nothing changed: no write, no new resourceVersion
	}
	if dryRun {
		return next, nil
	}
	if readyToRemove(next) {
		return s.remove(ctx, req.resource, next)
	}
	commit, abort, err := s.updateNodePorts(ctx, next, cur)
	if err != nil {
		return nil, err
	}
	updated, err := s.store.Update(ctx, req.resource, next)
	if err != nil {
		abort()
		return nil, err
	}
	commit()
	return updated, nil
}

// checkIdentity refuses a body that names another object than the path.
func checkIdentity(req *request, obj runtime.Object) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	if m.GetName() != req.name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", m.GetName(), req.name))
	}
	if req.resource.Namespaced && m.GetNamespace() != "" && m.GetNamespace() != req.namespace {
		return apierrors.NewBadRequest(fmt.Sprintf("the namespace of the object (%s) does not match the namespace on the URL (%s)", m.GetNamespace(), req.namespace))
	}
	m.SetNamespace(req.namespace)
	return nil
}

// prepareUpdate builds the object to store from the client's obj and the
// stored cur, and validates it.
func prepareUpdate(r api.Resource, sub string, obj, cur runtime.Object) (runtime.Object, error) {
	m, curMeta := mustMeta(obj), mustMeta(cur)
	switch {
	case m.GetResourceVersion() == "":
		m.SetResourceVersion(curMeta.GetResourceVersion()) // an unconditional update
	case m.GetResourceVersion() != curMeta.GetResourceVersion():
		return nil, conflict(r, m.GetName())
	}
	next := obj
	switch sub {
	case "status":
		next = withStatusOf(cur, obj)
	case "finalize":
		next = withFinalizersOf(cur, obj)
	case "":
		if r.HasSubresource("status") {
			copyField(obj, cur, "Status")
		}
		r.Strategy.Default(obj)
		r.Strategy.PrepareForUpdate(obj, cur)
	}
	keepSystemFields(mustMeta(next), curMeta)
	if hasSpec(next) && specChanged(next, cur) {
		mustMeta(next).SetGeneration(curMeta.GetGeneration() + 1)
	}
	if errs := validateUpdate(r, next, cur); len(errs) > 0 {
		return nil, apierrors.NewInvalid(r.GVK().GroupKind(), m.GetName(), errs)
	}
	return next, nil
}

// keepSystemFields restores the metadata only the server writes.
func keepSystemFields(m, cur metav1.Object) {
	if m.GetUID() == "" {
		m.SetUID(cur.GetUID())
	}
	m.SetCreationTimestamp(cur.GetCreationTimestamp())
	m.SetDeletionTimestamp(cur.GetDeletionTimestamp())
	m.SetDeletionGracePeriodSeconds(cur.GetDeletionGracePeriodSeconds())
	m.SetGeneration(cur.GetGeneration())
	m.SetManagedFields(nil)
}

func validateUpdate(r api.Resource, obj, old runtime.Object) field.ErrorList {
	m, oldMeta := mustMeta(obj), mustMeta(old)
	errs := api.ValidateObjectMeta(r, m)
	errs = append(errs, api.ValidateObjectMetaUpdate(m, oldMeta)...)
	if oldMeta.GetDeletionTimestamp() != nil {
		errs = append(errs, apivalidation.ValidateNoNewFinalizers(m.GetFinalizers(), oldMeta.GetFinalizers(), field.NewPath("metadata", "finalizers"))...)
	}
	errs = append(errs, r.Strategy.Validate(obj)...)
	return append(errs, r.Strategy.ValidateUpdate(obj, old)...)
}

// withStatusOf returns cur with obj's status: what a /status update stores.
func withStatusOf(cur, obj runtime.Object) runtime.Object {
	next := cur.DeepCopyObject()
	copyField(next, obj, "Status")
	mustMeta(next).SetResourceVersion(mustMeta(obj).GetResourceVersion())
	return next
}

// hasSpec reports whether obj's kind counts its changes in
// metadata.generation: kinds with a spec, the desired state, and
// EndpointSlice, whose endpoints Kubernetes counts the same way. Kinds of
// plain data (ConfigMap, Secret, Event, Endpoints, ...) carry none, as in
// Kubernetes.
func hasSpec(obj runtime.Object) bool {
	if _, ok := obj.(*discoveryv1.EndpointSlice); ok {
		return true
	}
	v := reflect.ValueOf(obj)
	return v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct && v.Elem().FieldByName("Spec").IsValid()
}

// specChanged reports whether anything but metadata and status differs:
// the change that makes a new generation.
func specChanged(obj, old runtime.Object) bool {
	a, b := obj.DeepCopyObject(), old.DeepCopyObject()
	for _, o := range []runtime.Object{a, b} {
		for _, f := range []string{"TypeMeta", "ObjectMeta", "Status"} {
			if v := reflect.ValueOf(o).Elem().FieldByName(f); v.IsValid() {
				v.Set(reflect.Zero(v.Type()))
			}
		}
	}
	return !equality.Semantic.DeepEqual(a, b)
}

// copyField sets dst's named top-level field to src's: both are pointers to
// the same API struct.
func copyField(dst, src runtime.Object, name string) {
	d := reflect.ValueOf(dst).Elem().FieldByName(name)
	s := reflect.ValueOf(src).Elem().FieldByName(name)
	if d.IsValid() && s.IsValid() {
		d.Set(s)
	}
}

func conflict(r api.Resource, name string) error {
	return apierrors.NewConflict(r.GroupResource(), name,
		fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
}

func mustMeta(obj runtime.Object) metav1.Object {
	m, err := meta.Accessor(obj)
	if err != nil {
		panic(fmt.Sprintf("apiserver: %T has no object metadata: %v", obj, err))
	}
	return m
}
