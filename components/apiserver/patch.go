package apiserver

import (
	"context"
	"fmt"
	"net/http"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/mergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/ownkube/ownkube/components/api"
)

// patchAttempts bounds the retries of a patch that lost a race: a patch
// without a resourceVersion applies to whatever is current, so it is
// re-applied to the newer object.
const patchAttempts = 5

func init() {
	// A JSON patch of "copy" operations can grow a document without bound.
	jsonpatch.AccumulatedCopySizeLimit = 4 * maxBodyBytes
}

func (s *Server) servePatch(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) {
	pt := types.PatchType(mediaType(r))
	switch pt {
	case types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType:
	case types.ApplyYAMLPatchType, types.ApplyCBORPatchType:
		writeError(w, unsupportedMediaType(string(pt)+" (server-side apply is not served: use kubectl apply without --server-side)",
			string(types.JSONPatchType), string(types.MergePatchType), string(types.StrategicMergePatchType)))
		return
	default:
		writeError(w, unsupportedMediaType(string(pt), string(types.JSONPatchType), string(types.MergePatchType), string(types.StrategicMergePatchType)))
		return
	}
	mode, err := parseFieldValidation(r)
	if err != nil {
		writeError(w, err)
		return
	}
	patch, err := readBody(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	patched, err := s.patch(ctx, req, pt, patch, mode, func(msg string) { warn(w, msg) }, isDryRun(r))
	if err != nil {
		writeError(w, err)
		return
	}
	writeResult(w, r, http.StatusOK, patched)
}

func (s *Server) patch(ctx context.Context, req *request, pt types.PatchType, patch []byte, mode fieldValidation, warn func(string), dryRun bool) (runtime.Object, error) {
	for attempt := 1; ; attempt++ {
		cur, err := s.store.Get(ctx, req.resource, req.namespace, req.name)
		if err != nil {
			return nil, err
		}
		curJSON, err := runtime.Encode(jsonSerializer, api.WithKind(cur))
		if err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		patchedJSON, err := applyPatch(pt, curJSON, patch, req.resource)
		if err != nil {
			return nil, err
		}
		obj, err := decodeObject(patchedJSON, req.resource, mode, warn)
		if err != nil {
			return nil, err
		}
		raced := mustMeta(obj).GetResourceVersion() == mustMeta(cur).GetResourceVersion()
		updated, err := s.update(ctx, req, obj, cur, dryRun)
		if !(apierrors.IsConflict(err) && raced && attempt < patchAttempts) {
			return updated, err
		}
	}
}

// applyPatch applies a patch of type pt to the JSON of the current object
// with apimachinery's and evanphx's patch code, as kube-apiserver does.
func applyPatch(pt types.PatchType, cur, patch []byte, r api.Resource) ([]byte, error) {
	switch pt {
	case types.JSONPatchType:
		p, err := jsonpatch.DecodePatch(patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("the body is not a valid JSON patch: %v", err))
		}
		out, err := p.Apply(cur)
		if err != nil {
			return nil, unprocessable(fmt.Sprintf("the JSON patch does not apply: %v", err))
		}
		return out, nil
	case types.MergePatchType:
		out, err := jsonpatch.MergePatch(cur, patch)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("the body is not a valid JSON merge patch: %v", err))
		}
		return out, nil
	default:
		return applyStrategicPatch(cur, patch, r.New())
	}
}

// applyStrategicPatch applies a strategic merge patch with schema's Go
// type telling how each list merges.
func applyStrategicPatch(cur, patch []byte, schema runtime.Object) ([]byte, error) {
	out, err := strategicpatch.StrategicMergePatch(cur, patch, schema)
	if err != nil {
		return nil, strategicPatchError(err)
	}
	return out, nil
}

// strategicPatchError says whether a strategic merge patch was malformed
// (400) or could not be applied (422).
func strategicPatchError(err error) error {
	switch err {
	case mergepatch.ErrNoListOfLists, mergepatch.ErrPatchContentNotMatchRetainKeys:
		return unprocessable(fmt.Sprintf("the strategic merge patch does not apply: %v", err))
	}
	return apierrors.NewBadRequest(fmt.Sprintf("the body is not a valid strategic merge patch: %v", err))
}

func unprocessable(msg string) error {
	return apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "patch", schema.GroupResource{}, "", msg, 0, false)
}
