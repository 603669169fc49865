package tables

import (
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ownkube/ownkube/components/api"
)

// printer prints one kind: its columns, and the cells of one object.
type printer struct {
	columns []metav1.TableColumnDefinition
	// cells returns one value per column, wide columns included.
	cells func(obj runtime.Object, now time.Time) []interface{}
	// conditions, if set, returns the row's conditions (a finished pod is Completed).
	conditions func(obj runtime.Object) []metav1.TableRowCondition
	// accepts reports whether obj is the Go type cells expects.
	accepts func(obj runtime.Object) bool
}

// newPrinter adapts a printer of one Go type to the registry's untyped shape.
func newPrinter[T runtime.Object](columns []metav1.TableColumnDefinition, cells func(T, time.Time) []interface{}) printer {
	return printer{
		columns: columns,
		cells:   func(obj runtime.Object, now time.Time) []interface{} { return cells(obj.(T), now) },
		accepts: func(obj runtime.Object) bool { _, ok := obj.(T); return ok },
	}
}

// printers holds the printer of every kind that has one; the rest get defaultPrinter.
var printers = map[schema.GroupResource]printer{}

func register(gr schema.GroupResource, p printer) {
	if _, dup := printers[gr]; dup {
		panic("tables: two printers for " + gr.String())
	}
	printers[gr] = p
}

func printerFor(r api.Resource) printer {
	if p, ok := printers[r.GroupResource()]; ok {
		return p
	}
	return defaultPrinter
}

// Convert returns objs (all of resource r) as a metav1.Table: column definitions and one row per object.
// includeObject is the request's includeObject parameter: "" or "Metadata" → each row's Object is a
// metav1.PartialObjectMetadata (TypeMeta apiVersion meta.k8s.io/v1, kind PartialObjectMetadata) carrying the object's metadata;
// "Object" → the full object; "None" → no object. now is the time ages are computed against.
//
// An unknown includeObject is a BadRequest error (a metav1.Status), as in kube-apiserver.
// The objects are not modified; the caller sets the Table's ListMeta.
func Convert(r api.Resource, objs []runtime.Object, includeObject metav1.IncludeObjectPolicy, now time.Time) (*metav1.Table, error) {
	if !knownPolicy(includeObject) {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("unrecognized includeObject value: %q", includeObject))
	}
	p := printerFor(r)
	table := &metav1.Table{
		TypeMeta:          metav1.TypeMeta{APIVersion: metav1.SchemeGroupVersion.String(), Kind: "Table"},
		ColumnDefinitions: append([]metav1.TableColumnDefinition(nil), p.columns...),
		Rows:              make([]metav1.TableRow, 0, len(objs)),
	}
	for _, obj := range objs {
		row, err := p.row(r, obj, includeObject, now)
		if err != nil {
			return nil, fmt.Errorf("print %s as a table: %w", r.Resource, err)
		}
		table.Rows = append(table.Rows, row)
	}
	return table, nil
}

func knownPolicy(p metav1.IncludeObjectPolicy) bool {
	switch p {
	case "", metav1.IncludeMetadata, metav1.IncludeObject, metav1.IncludeNone:
		return true
	}
	return false
}

func (p printer) row(r api.Resource, obj runtime.Object, includeObject metav1.IncludeObjectPolicy, now time.Time) (metav1.TableRow, error) {
	if !p.accepts(obj) {
		return metav1.TableRow{}, fmt.Errorf("got a %T, not a %s", obj, r.Kind)
	}
	embedded, err := rowObject(r, obj, includeObject)
	if err != nil {
		return metav1.TableRow{}, err
	}
	row := metav1.TableRow{Cells: p.cells(obj, now), Object: runtime.RawExtension{Object: embedded}}
	if p.conditions != nil {
		row.Conditions = p.conditions(obj)
	}
	return row, nil
}

// rowObject is what a row carries besides its cells. It sits in the
// RawExtension's Object field, which the JSON encoder writes inline, so it
// must carry its own apiVersion and kind.
func rowObject(r api.Resource, obj runtime.Object, includeObject metav1.IncludeObjectPolicy) (runtime.Object, error) {
	switch includeObject {
	case metav1.IncludeNone:
		return nil, nil
	case metav1.IncludeObject:
		full := obj.DeepCopyObject() // never modify the caller's (maybe cached) object
		full.GetObjectKind().SetGroupVersionKind(r.GVK())
		return full, nil
	default: // "" and Metadata
		m, err := meta.Accessor(obj)
		if err != nil {
			return nil, err
		}
		partial := meta.AsPartialObjectMetadata(m).DeepCopy()
		partial.SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind("PartialObjectMetadata"))
		return partial, nil
	}
}
