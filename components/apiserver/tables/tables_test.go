package tables

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ownkube/ownkube/components/api"
)

var podsGR = gr("", "pods")

func gr(group, resource string) schema.GroupResource {
	return schema.GroupResource{Group: group, Resource: resource}
}

// resourceGR finds a served resource's GroupResource by its plural name.
func resourceGR(resource string) schema.GroupResource {
	for _, r := range api.Resources() {
		if r.Resource == resource {
			return r.GroupResource()
		}
	}
	panic("not served: " + resource)
}

func podsResource(t *testing.T) api.Resource {
	t.Helper()
	r, ok := api.Lookup(corev1.SchemeGroupVersion.WithResource("pods"))
	if !ok {
		t.Fatal("pods are not served")
	}
	return r
}

func objects[T runtime.Object](objs ...T) []runtime.Object {
	out := make([]runtime.Object, len(objs))
	for i, o := range objs {
		out[i] = o
	}
	return out
}

// The kinds kube-apiserver has printers for, of those ownkube serves.
var printedKinds = []string{"pods", "nodes", "namespaces", "services", "endpoints", "events", "configmaps",
	"secrets", "podtemplates", "serviceaccounts", "leases", "replicasets", "deployments",
	"daemonsets", "jobs", "cronjobs"}

func TestEveryServedResourcePrints(t *testing.T) {
	for _, resource := range printedKinds {
		if _, ok := printers[resourceGR(resource)]; !ok {
			t.Errorf("no printer for %s: it would get the default NAME, CREATED AT", resource)
		}
	}
	for _, r := range api.Resources() {
		t.Run(r.Resource, func(t *testing.T) {
			// An empty object must print without panicking, one cell per column.
			table, err := Convert(r, []runtime.Object{r.New()}, metav1.IncludeNone, now)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(table.Rows[0].Cells), len(table.ColumnDefinitions); got != want {
				t.Errorf("%d cells for %d columns", got, want)
			}
		})
	}
}

func TestColumnDefinitions(t *testing.T) {
	for key, p := range printers {
		for i, c := range p.columns {
			if c.Name == "" || c.Description == "" {
				t.Errorf("%s column %d: name %q, description %q: both are needed", key, i, c.Name, c.Description)
			}
			switch c.Type {
			case typeString, typeInteger, typeBoolean, typeDate:
			default:
				t.Errorf("%s column %s: type %q", key, c.Name, c.Type)
			}
			if (c.Format == "name") != (c.Name == "Name") {
				t.Errorf("%s column %s: format %q", key, c.Name, c.Format)
			}
		}
	}
	// kubectl shows priority 0 always and the rest with -o wide.
	var names []string
	for _, c := range printers[podsGR].columns {
		if c.Priority > 0 {
			names = append(names, c.Name)
		}
	}
	if got, want := strings.Join(names, ","), "IP,Node,Nominated Node,Readiness Gates"; got != want {
		t.Errorf("wide pod columns: %s, want %s", got, want)
	}
}

func TestConvertIncludeObject(t *testing.T) {
	r := podsResource(t)
	p := pod(corev1.PodRunning)
	p.Labels = map[string]string{"app": "web"}
	tests := []struct {
		policy   metav1.IncludeObjectPolicy
		wantKind string // of the row's object; "" for none
	}{
		{"", "PartialObjectMetadata"},
		{metav1.IncludeMetadata, "PartialObjectMetadata"},
		{metav1.IncludeObject, "Pod"},
		{metav1.IncludeNone, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			table, err := Convert(r, objects(p), tt.policy, now)
			if err != nil {
				t.Fatal(err)
			}
			if table.APIVersion != "meta.k8s.io/v1" || table.Kind != "Table" {
				t.Errorf("table TypeMeta %+v", table.TypeMeta)
			}
			got := table.Rows[0].Object.Object
			if tt.wantKind == "" {
				if got != nil {
					t.Fatalf("row object %T, want none", got)
				}
				return
			}
			gvk := got.GetObjectKind().GroupVersionKind()
			wantGV := map[string]string{"Pod": "v1", "PartialObjectMetadata": "meta.k8s.io/v1"}[tt.wantKind]
			if gvk.Kind != tt.wantKind || gvk.GroupVersion().String() != wantGV {
				t.Errorf("row object is %s, want %s %s", gvk, wantGV, tt.wantKind)
			}
			if m := got.(metav1.Object); m.GetNamespace() != "default" || m.GetLabels()["app"] != "web" {
				t.Errorf("row object lost its metadata: %s/%s %v", m.GetNamespace(), m.GetName(), m.GetLabels())
			}
		})
	}
	if !p.GetObjectKind().GroupVersionKind().Empty() {
		t.Error("Convert set the TypeMeta of the caller's object")
	}
}

func TestConvertErrors(t *testing.T) {
	r := podsResource(t)
	if _, err := Convert(r, objects(pod(corev1.PodRunning)), "Everything", now); !apierrors.IsBadRequest(err) {
		t.Errorf("unknown includeObject: got %v, want a BadRequest", err)
	}
	if _, err := Convert(r, objects(&corev1.Node{}), "", now); err == nil {
		t.Error("a node printed as a pod: want an error")
	}
}

func TestConvertEmptyList(t *testing.T) {
	table, err := Convert(podsResource(t), nil, "", now)
	if err != nil {
		t.Fatal(err)
	}
	if table.Rows == nil || len(table.Rows) != 0 || len(table.ColumnDefinitions) != 9 {
		t.Errorf("rows %v, %d columns: want [] and 9", table.Rows, len(table.ColumnDefinitions))
	}
}

func TestDefaultPrinter(t *testing.T) {
	r := api.Resource{GroupVersionResource: corev1.SchemeGroupVersion.WithResource("limitranges"), Kind: "LimitRange"}
	lr := &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "limits",
		CreationTimestamp: metav1.NewTime(time.Date(2025, 5, 1, 14, 30, 0, 0, time.FixedZone("CEST", 2*3600)))}}
	table, err := Convert(r, objects(lr), "", now)
	if err != nil {
		t.Fatal(err)
	}
	checkCells(t, table.ColumnDefinitions, table.Rows[0].Cells, cells("limits", "2025-05-01T12:30:00Z"))
	if c := table.ColumnDefinitions[1]; c.Name != "Created At" || c.Type != "date" {
		t.Errorf("second column %+v, want Created At of type date", c)
	}
}
