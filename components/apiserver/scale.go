package apiserver

import (
	"context"
	"fmt"
	"net/http"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/ownkube/ownkube/components/api"
)

// The scale subresource, <workload>/scale, as kube-apiserver serves it for
// Deployments, ReplicaSets and StatefulSets: an autoscaling/v1 Scale whose spec.replicas
// is the workload's and whose status carries its status.replicas and its
// selector as a string. `kubectl scale` and autoscalers use it; a write
// changes only the workload's spec.replicas, with the optimistic
// concurrency of any update: a Scale's resourceVersion is its workload's.

var scaleGVK = autoscalingv1.SchemeGroupVersion.WithKind("Scale")

// scaleResource stands for the Scale kind in the errors of a scale request.
var scaleResource = schema.GroupKind{Group: autoscalingv1.GroupName, Kind: "Scale"}

func (s *Server) serveScale(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) {
	var (
		obj runtime.Object
		err error
	)
	switch req.verb {
	case "get":
		obj, err = s.store.Get(ctx, req.resource, req.namespace, req.name)
	case "update":
		var scale *autoscalingv1.Scale
		if scale, err = readScale(w, r); err == nil {
			obj, err = s.scaleTo(ctx, req, scale, isDryRun(r))
		}
	case "patch":
		obj, err = s.patchScale(ctx, w, r, req)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	scale, err := scaleOf(obj)
	if err != nil {
		writeError(w, err)
		return
	}
	writeResult(w, r, http.StatusOK, scale)
}

// readScale reads an update's body as an autoscaling/v1 Scale.
func readScale(w http.ResponseWriter, r *http.Request) (*autoscalingv1.Scale, error) {
	data, err := bodyJSON(w, r)
	if err != nil {
		return nil, err
	}
	return decodeScale(data)
}

func decodeScale(data []byte) (*autoscalingv1.Scale, error) {
	obj, actual, err := jsonSerializer.Decode(data, &scaleGVK, &autoscalingv1.Scale{})
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the body cannot be handled as an autoscaling/v1 Scale: %v", err))
	}
	scale, ok := obj.(*autoscalingv1.Scale)
	if !ok || *actual != scaleGVK {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the body is a %s of %q, but this path serves Scale of \"autoscaling/v1\"", actual.Kind, actual.GroupVersion()))
	}
	return scale, nil
}

// scaleTo sets the workload's spec.replicas from scale and stores it.
func (s *Server) scaleTo(ctx context.Context, req *request, scale *autoscalingv1.Scale, dryRun bool) (runtime.Object, error) {
	if scale.Name != req.name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", scale.Name, req.name))
	}
	if scale.Namespace != "" && scale.Namespace != req.namespace {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the namespace of the object (%s) does not match the namespace on the URL (%s)", scale.Namespace, req.namespace))
	}
	if scale.Spec.Replicas < 0 {
		return nil, apierrors.NewInvalid(scaleResource, scale.Name, field.ErrorList{
			field.Invalid(field.NewPath("spec", "replicas"), scale.Spec.Replicas, "must be greater than or equal to 0")})
	}
	cur, err := s.store.Get(ctx, req.resource, req.namespace, req.name)
	if err != nil {
		return nil, err
	}
	if rv := scale.ResourceVersion; rv != "" && rv != mustMeta(cur).GetResourceVersion() {
		return nil, conflict(req.resource, req.name)
	}
	next := cur.DeepCopyObject()
	if err := setReplicas(next, scale.Spec.Replicas); err != nil {
		return nil, err
	}
	main := *req
	main.subresource = ""
	return s.update(ctx, &main, next, cur, dryRun)
}

// patchScale applies a patch to the workload's Scale and stores the
// result; a patch without a resourceVersion that lost a race is applied
// again to the newer workload, as any patch is.
func (s *Server) patchScale(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) (runtime.Object, error) {
	pt := types.PatchType(mediaType(r))
	switch pt {
	case types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType:
	default:
		return nil, unsupportedMediaType(string(pt), string(types.JSONPatchType), string(types.MergePatchType), string(types.StrategicMergePatchType))
	}
	patch, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		cur, err := s.store.Get(ctx, req.resource, req.namespace, req.name)
		if err != nil {
			return nil, err
		}
		scale, err := scaleOf(cur)
		if err != nil {
			return nil, err
		}
		curJSON, err := runtime.Encode(jsonSerializer, scale)
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		patchedJSON, err := applyScalePatch(pt, curJSON, patch)
		if err != nil {
			return nil, err
		}
		patched, err := decodeScale(patchedJSON)
		if err != nil {
			return nil, err
		}
		raced := patched.ResourceVersion == scale.ResourceVersion
		updated, err := s.scaleTo(ctx, req, patched, isDryRun(r))
		if !(apierrors.IsConflict(err) && raced && attempt < patchAttempts) {
			return updated, err
		}
	}
}

// applyScalePatch is applyPatch with the Scale as the strategic patch's schema.
func applyScalePatch(pt types.PatchType, cur, patch []byte) ([]byte, error) {
	if pt != types.StrategicMergePatchType {
		return applyPatch(pt, cur, patch, api.Resource{})
	}
	return applyStrategicPatch(cur, patch, &autoscalingv1.Scale{})
}

// scaleOf is the Scale of a Deployment, ReplicaSet or StatefulSet.
func scaleOf(obj runtime.Object) (*autoscalingv1.Scale, error) {
	var (
		replicas, current int32
		selector          *metav1.LabelSelector
	)
	switch o := obj.(type) {
	case *appsv1.ReplicaSet:
		replicas, current, selector = ptrOr(o.Spec.Replicas), o.Status.Replicas, o.Spec.Selector
	case *appsv1.Deployment:
		replicas, current, selector = ptrOr(o.Spec.Replicas), o.Status.Replicas, o.Spec.Selector
	case *appsv1.StatefulSet:
		replicas, current, selector = ptrOr(o.Spec.Replicas), o.Status.Replicas, o.Spec.Selector
	default:
		return nil, apierrors.NewInternalError(fmt.Errorf("a %T has no scale", obj))
	}
	sel, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("the stored selector: %w", err))
	}
	m := mustMeta(obj)
	scale := &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{Name: m.GetName(), Namespace: m.GetNamespace(), UID: m.GetUID(),
			ResourceVersion: m.GetResourceVersion(), CreationTimestamp: m.GetCreationTimestamp()},
		Spec:   autoscalingv1.ScaleSpec{Replicas: replicas},
		Status: autoscalingv1.ScaleStatus{Replicas: current, Selector: sel.String()},
	}
	scale.SetGroupVersionKind(scaleGVK)
	return scale, nil
}

func setReplicas(obj runtime.Object, n int32) error {
	switch o := obj.(type) {
	case *appsv1.ReplicaSet:
		o.Spec.Replicas = &n
	case *appsv1.Deployment:
		o.Spec.Replicas = &n
	case *appsv1.StatefulSet:
		o.Spec.Replicas = &n
	default:
		return apierrors.NewInternalError(fmt.Errorf("a %T has no scale", obj))
	}
	return nil
}

func ptrOr(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}
