package kubectl

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/jsonmergepatch"
	"k8s.io/apimachinery/pkg/util/mergepatch"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

// fieldManager is the manager kubectl's client-side apply writes as.
const fieldManager = "kubectl-client-side-apply"

// Apply creates each object that does not exist and patches each that
// does, printing `pod/web created|configured|unchanged` as it goes. It goes
// on past objects that fail, and returns their errors at the end.
func (c *Client) Apply(ctx context.Context, objs []Object) error {
	return c.run(ctx, func() error { return c.applyAll(ctx, objs) })
}

func (c *Client) applyAll(ctx context.Context, objs []Object) error {
	if len(objs) == 0 {
		return fmt.Errorf("no objects passed to apply")
	}
	var errs errorList
	for _, obj := range objs {
		t, err := c.locate(ctx, obj)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		result, err := c.applyOne(ctx, t, obj.Unstructured)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(c.out, "%s/%s %s\n", kindName(t.mapping), t.name, result)
	}
	return errs.orNil()
}

func (c *Client) applyOne(ctx context.Context, t target, obj *unstructured.Unstructured) (string, error) {
	modified, err := withLastApplied(obj)
	if err != nil {
		return "", fmt.Errorf("apply %s/%s: %w", kindName(t.mapping), t.name, err)
	}
	current, err := do(ctx, c.request("GET", t))
	if apierrors.IsNotFound(err) {
		coll := t
		coll.name = ""
		_, err := do(ctx, c.write(c.request("POST", coll)).Body(modified))
		if err != nil {
			return "", withSource("creating", t.source, err)
		}
		return "created", nil
	}
	if err != nil {
		return "", withSource("retrieving current configuration of", t.source, err)
	}
	var live unstructured.Unstructured
	if err := live.UnmarshalJSON(current); err != nil {
		return "", fmt.Errorf("read %s/%s: %w", kindName(t.mapping), t.name, err)
	}
	original := []byte(live.GetAnnotations()[corev1.LastAppliedConfigAnnotation])
	patch, patchType, err := ApplyPatch(obj.GroupVersionKind(), original, modified, current)
	if err != nil {
		return "", withSource("computing the patch of", t.source, err)
	}
	if string(patch) == "{}" {
		return "unchanged", nil
	}
	_, err = do(ctx, c.write(c.request("PATCH", t)).SetHeader("Content-Type", string(patchType)).Body(patch))
	if err != nil {
		return "", withSource("patching", t.source, err)
	}
	return "configured", nil
}

// write adds what kubectl apply sends with its writes: refuse unknown
// fields, and name the field manager.
func (c *Client) write(r *rest.Request) *rest.Request {
	return r.Param("fieldValidation", metav1.FieldValidationStrict).Param("fieldManager", fieldManager)
}

// withLastApplied sets the last-applied annotation of obj to obj itself
// (without that annotation) and returns obj's JSON, annotation included:
// what kubectl apply sends, and the "modified" side of its patch.
func withLastApplied(obj *unstructured.Unstructured) ([]byte, error) {
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{} // kept as {}, as kubectl keeps it
	}
	delete(annotations, corev1.LastAppliedConfigAnnotation)
	obj.SetAnnotations(annotations)
	applied, err := obj.MarshalJSON()
	if err != nil {
		return nil, err
	}
	annotations[corev1.LastAppliedConfigAnnotation] = string(applied)
	obj.SetAnnotations(annotations)
	return obj.MarshalJSON()
}

// ApplyPatch computes kubectl apply's patch: a three-way merge of original
// (the last applied configuration), modified (the new one) and current
// (the live object). It removes what original had and modified dropped,
// and sets what modified changed; fields no one applied (defaults, status)
// are left alone. Built-in kinds get a strategic merge patch, which merges
// lists by key (containers by name); other kinds a JSON merge patch.
// A patch of "{}" means nothing to change.
func ApplyPatch(gvk schema.GroupVersionKind, original, modified, current []byte) ([]byte, types.PatchType, error) {
	if typed, err := scheme.Scheme.New(gvk); err == nil {
		lookup, err := strategicpatch.NewPatchMetaFromStruct(typed)
		if err != nil {
			return nil, "", err
		}
		patch, err := strategicpatch.CreateThreeWayMergePatch(original, modified, current, lookup, true)
		return patch, types.StrategicMergePatchType, err
	}
	patch, err := jsonmergepatch.CreateThreeWayJSONMergePatch(original, modified, current,
		mergepatch.RequireKeyUnchanged("apiVersion"),
		mergepatch.RequireKeyUnchanged("kind"),
		mergepatch.RequireMetadataKeyUnchanged("name"))
	return patch, types.MergePatchType, err
}

// locate finds where obj of a manifest lives: its resource, and its
// namespace — its own, else the client's, which it is then given.
func (c *Client) locate(ctx context.Context, obj Object) (target, error) {
	gvk, name := obj.GroupVersionKind(), obj.GetName()
	if name == "" {
		return target{}, fmt.Errorf("error when reading %q: a %s has no metadata.name", obj.Source, gvk.Kind)
	}
	m, err := c.mapper.RESTMappingWithContext(ctx, gvk.GroupKind(), gvk.Version)
	if err != nil {
		return target{}, fmt.Errorf("resource mapping not found for name: %q namespace: %q from %q: %w",
			name, obj.GetNamespace(), obj.Source, err)
	}
	t := target{mapping: m, name: name, source: obj.Source}
	if !namespaced(m) {
		return t, nil
	}
	switch ns := obj.GetNamespace(); {
	case ns == "":
		obj.SetNamespace(c.namespace)
	case c.explicitNamespace && ns != c.namespace:
		return target{}, fmt.Errorf("the namespace from the provided object %q does not match the namespace %q: pass --namespace=%s, or none",
			ns, c.namespace, ns)
	}
	t.namespace = obj.GetNamespace()
	return t, nil
}
