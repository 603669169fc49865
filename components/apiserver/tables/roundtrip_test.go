package tables

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"

	"github.com/ownkube/ownkube/components/api"
)

// encode writes the table as the API server does: the scheme's JSON
// serializer, at meta.k8s.io/v1.
func encode(t *testing.T, table *metav1.Table) []byte {
	t.Helper()
	s := json.NewSerializerWithOptions(json.DefaultMetaFactory, api.Scheme, api.Scheme, json.SerializerOptions{})
	data, err := runtime.Encode(api.Codecs.EncoderForVersion(s, metav1.SchemeGroupVersion), table)
	if err != nil {
		t.Fatalf("encode table: %v", err)
	}
	return data
}

// decodeLikeKubectl reads a response as `kubectl get` does (decodeIntoTable
// in k8s.io/kubectl/pkg/cmd/get/get.go): unstructured, converted to a Table,
// each row's raw object decoded as unstructured.
func decodeLikeKubectl(t *testing.T, data []byte) *metav1.Table {
	t.Helper()
	obj, err := runtime.Decode(unstructured.UnstructuredJSONScheme, data)
	if err != nil {
		t.Fatalf("decode response: %v", err)
	}
	u := obj.(*unstructured.Unstructured)
	if u.GetAPIVersion() != "meta.k8s.io/v1" || u.GetKind() != "Table" {
		t.Fatalf("response is a %s %s, not a meta.k8s.io/v1 Table", u.GetAPIVersion(), u.GetKind())
	}
	table := &metav1.Table{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, table); err != nil {
		t.Fatalf("convert to Table: %v", err)
	}
	for i := range table.Rows {
		row := &table.Rows[i]
		if row.Object.Raw == nil || row.Object.Object != nil {
			continue
		}
		if row.Object.Object, err = runtime.Decode(unstructured.UnstructuredJSONScheme, row.Object.Raw); err != nil {
			t.Fatalf("decode row %d object: %v", i, err)
		}
	}
	return table
}

// printLikeKubectl lays the table out as cli-runtime's table printer does:
// wide columns only with -o wide, NAMESPACE (-A) and LABELS (--show-labels)
// from each row's object metadata.
func printLikeKubectl(t *testing.T, table *metav1.Table, wide, allNamespaces, showLabels bool) string {
	t.Helper()
	var out bytes.Buffer
	w := tabwriter.NewWriter(&out, 6, 4, 3, ' ', 0)
	var header []string
	if allNamespaces {
		header = append(header, "NAMESPACE")
	}
	for _, c := range table.ColumnDefinitions {
		if wide || c.Priority == 0 {
			header = append(header, strings.ToUpper(c.Name))
		}
	}
	if showLabels {
		header = append(header, "LABELS")
	}
	fmt.Fprintln(w, strings.Join(header, "\t"))
	for _, row := range table.Rows {
		m, err := meta.Accessor(row.Object.Object)
		if err != nil && (allNamespaces || showLabels) {
			t.Fatalf("row object %T has no metadata: %v", row.Object.Object, err)
		}
		var line []string
		if allNamespaces {
			line = append(line, m.GetNamespace())
		}
		for i, c := range table.ColumnDefinitions {
			if wide || c.Priority == 0 {
				line = append(line, fmt.Sprint(row.Cells[i]))
			}
		}
		if showLabels {
			line = append(line, labels.FormatLabels(m.GetLabels()))
		}
		fmt.Fprintln(w, strings.Join(line, "\t"))
	}
	w.Flush()
	return out.String()
}

func TestKubectlReadsPods(t *testing.T) {
	web := withCondition(pod(corev1.PodRunning, status("app", running(), true)), corev1.PodReady, corev1.ConditionTrue)
	web.Labels = map[string]string{"app": "web", "tier": "front"}
	web.Spec.NodeName, web.Status.PodIPs = "node-1", []corev1.PodIP{{IP: "10.0.0.5"}}
	crashing := status("app", waiting("CrashLoopBackOff"), false)
	crashing.RestartCount = 12
	crashing.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{FinishedAt: ago(90 * time.Second)}
	crasher := pod(corev1.PodRunning, crashing)
	crasher.Name, crasher.Namespace, crasher.CreationTimestamp = "crasher", "team-a", ago(25*time.Hour)

	table, err := Convert(podsResource(t), objects(web, crasher), "", now)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeLikeKubectl(t, encode(t, table))

	want := `NAMESPACE   NAME      READY   STATUS             RESTARTS       AGE   LABELS
default     web       1/1     Running            0              10m   app=web,tier=front
team-a      crasher   0/1     CrashLoopBackOff   12 (90s ago)   25h   <none>
`
	if s := printLikeKubectl(t, got, false, true, true); s != want {
		t.Errorf("kubectl get pods -A --show-labels:\n%s\nwant:\n%s", s, want)
	}
	wantWide := `NAME      READY   STATUS             RESTARTS       AGE   IP         NODE     NOMINATED NODE   READINESS GATES
web       1/1     Running            0              10m   10.0.0.5   node-1   <none>           <none>
crasher   0/1     CrashLoopBackOff   12 (90s ago)   25h   <none>     <none>   <none>           <none>
`
	if s := printLikeKubectl(t, got, true, false, false); s != wantWide {
		t.Errorf("kubectl get pods -o wide:\n%s\nwant:\n%s", s, wantWide)
	}
}

func TestTypedClientsReadTables(t *testing.T) {
	r := podsResource(t)
	p := pod(corev1.PodRunning)
	p.Labels = map[string]string{"app": "web"}
	decoder := api.Codecs.UniversalDeserializer()

	for _, policy := range []metav1.IncludeObjectPolicy{metav1.IncludeMetadata, metav1.IncludeObject, metav1.IncludeNone} {
		t.Run(string(policy), func(t *testing.T) {
			table, err := Convert(r, objects(p), policy, now)
			if err != nil {
				t.Fatal(err)
			}
			obj, _, err := decoder.Decode(encode(t, table), nil, nil)
			if err != nil {
				t.Fatalf("decode table: %v", err)
			}
			decoded := obj.(*metav1.Table)
			if got := decoded.Rows[0].Cells; got[0] != "web" || got[1] != "0/1" {
				t.Errorf("cells %v", got)
			}
			raw := decoded.Rows[0].Object.Raw
			if policy == metav1.IncludeNone {
				if raw != nil {
					t.Errorf("row object %s, want none", raw)
				}
				return
			}
			rowObj, gvk, err := decoder.Decode(raw, nil, nil)
			if err != nil {
				t.Fatalf("decode row object %s: %v", raw, err)
			}
			wantKind := map[metav1.IncludeObjectPolicy]string{metav1.IncludeMetadata: "PartialObjectMetadata", metav1.IncludeObject: "Pod"}[policy]
			if gvk.Kind != wantKind {
				t.Errorf("row object kind %s, want %s", gvk.Kind, wantKind)
			}
			if m, _ := meta.Accessor(rowObj); m.GetName() != "web" || m.GetNamespace() != "default" || m.GetLabels()["app"] != "web" {
				t.Errorf("row object metadata %+v", m)
			}
		})
	}
}

func TestIntegerCellsSurviveJSON(t *testing.T) {
	r, _ := api.Lookup(corev1.SchemeGroupVersion.WithResource("configmaps"))
	cm := &corev1.ConfigMap{ObjectMeta: objectMeta("cfg", time.Hour), Data: map[string]string{"a": "1"}}
	table, err := Convert(r, objects(cm), "", now)
	if err != nil {
		t.Fatal(err)
	}
	got := decodeLikeKubectl(t, encode(t, table)).Rows[0].Cells
	if got[1] != int64(1) {
		t.Errorf("DATA cell decoded as %T %v, want int64 1", got[1], got[1])
	}
}
