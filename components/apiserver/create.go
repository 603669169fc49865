package apiserver

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ownkube/ownkube/components/api"
)

// generateNameAttempts bounds the retries of a generated name that is taken.
const generateNameAttempts = 5

func (s *Server) serveCreate(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) {
	switch req.subresource {
	case "binding":
		s.serveBinding(ctx, w, r, req)
		return
	case "eviction":
		s.serveEviction(ctx, w, r, req)
		return
	}
	obj, err := readObject(w, r, req.resource)
	if err != nil {
		writeError(w, err)
		return
	}
	created, err := s.create(ctx, req.resource, req.namespace, obj, isDryRun(r))
	if err != nil {
		writeError(w, err)
		return
	}
	writeResult(w, r, http.StatusCreated, created)
}

// create admits and stores a new object: the metadata the server owns,
// the kind's defaults and validation, then a create that fails if the name
// is taken.
func (s *Server) create(ctx context.Context, r api.Resource, namespace string, obj runtime.Object, dryRun bool) (runtime.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	// The name comes first: what the kind derives from it when it is
	// created (a Job's job-name label) must see the generated one.
	generated := m.GetName() == "" && m.GetGenerateName() != ""
	if generated {
		m.SetName(m.GetGenerateName() + utilrand.String(5))
	}
	if err := s.admitCreate(ctx, r, namespace, m, obj); err != nil {
		return nil, err
	}
	if errs := validateCreate(r, m, obj); len(errs) > 0 {
		return nil, apierrors.NewInvalid(r.GVK().GroupKind(), m.GetName(), errs)
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		done, err := s.admitQuota(ctx, r, pod)
		if err != nil {
			return nil, err
		}
		defer done()
	}
	if dryRun {
		return obj, nil
	}
	if err := s.allocateService(ctx, r, obj); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		created, err := s.store.Create(ctx, r, obj)
		// A retried name is not seen by what PrepareForCreate derived from
		// the first (a Job's job-name label): a clash among 36^5 names is
		// rare enough to accept, as kube-apiserver, which does not retry.
		if generated && apierrors.IsAlreadyExists(err) && attempt < generateNameAttempts {
			m.SetName(m.GetGenerateName() + utilrand.String(5))
			continue
		}
		if err != nil {
			s.release(ctx, obj)
			return nil, err
		}
		return created, nil
	}
}

// admitCreate sets what the server decides about a new object and checks
// the request can create it where it asks to.
func (s *Server) admitCreate(ctx context.Context, r api.Resource, namespace string, m metav1.Object, obj runtime.Object) error {
	if m.GetResourceVersion() != "" {
		return apierrors.NewBadRequest("resourceVersion should not be set on objects to be created")
	}
	if r.Namespaced {
		if m.GetNamespace() == "" {
			m.SetNamespace(namespace)
		}
		if m.GetNamespace() != namespace {
			return apierrors.NewBadRequest(fmt.Sprintf("the namespace of the provided object (%s) does not match the namespace sent on the request (%s)",
				m.GetNamespace(), namespace))
		}
		if err := s.checkNamespaceOpen(ctx, namespace); err != nil {
			return err
		}
	} else {
		m.SetNamespace("")
	}
	m.SetUID(uuid.NewUUID())
	m.SetCreationTimestamp(metav1.Now())
	m.SetGeneration(0)
	if hasSpec(obj) {
		m.SetGeneration(1)
	}
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	m.SetManagedFields(nil)
	r.Strategy.Default(obj)
	r.Strategy.PrepareForCreate(obj)
	if pod, ok := obj.(*corev1.Pod); ok {
		api.DefaultTolerationSeconds(&pod.Spec, s.cfg.DefaultNotReadyTolerationSeconds, s.cfg.DefaultUnreachableTolerationSeconds)
	}
	return nil
}

func validateCreate(r api.Resource, m metav1.Object, obj runtime.Object) field.ErrorList {
	errs := api.ValidateObjectMeta(r, m)
	return append(errs, r.Strategy.Validate(obj)...)
}

// checkNamespaceOpen refuses new objects in a namespace that does not exist
// (404) or is being deleted (403), as kube-apiserver's NamespaceLifecycle
// admission does.
func (s *Server) checkNamespaceOpen(ctx context.Context, namespace string) error {
	obj, err := s.store.Get(ctx, s.namespaceResource(), "", namespace)
	if err != nil {
		return err
	}
	if ns := obj.(*corev1.Namespace); ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating {
		return apierrors.NewForbidden(schema.GroupResource{Resource: "namespaces"}, namespace,
			fmt.Errorf("unable to create new content in namespace %s because it is being terminated", namespace))
	}
	return nil
}
