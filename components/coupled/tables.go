package coupled

import (
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/ownkube/ownkube/components/api"
	"github.com/ownkube/ownkube/components/apiserver/tables"
	"github.com/ownkube/ownkube/components/kubectl"
)

// podColumns are the columns of `ownkube pod list`, picked from the API
// server's own pod table so STATUS and RESTARTS read as kubectl's do.
var podColumns = []string{"Name", "Node", "Status", "Restarts", "Age"}

// printPods writes pods as kubectl's table of NAME NODE STATUS RESTARTS AGE.
func printPods(out io.Writer, pods []corev1.Pod, now time.Time) error {
	if len(pods) == 0 {
		return nil
	}
	r, _ := api.Lookup(corev1.SchemeGroupVersion.WithResource("pods"))
	objs := make([]runtime.Object, len(pods))
	for i := range pods {
		objs[i] = &pods[i]
	}
	full, err := tables.Convert(r, objs, metav1.IncludeNone, now)
	if err != nil {
		return err
	}
	t, err := selectColumns(full, podColumns)
	if err != nil {
		return err
	}
	return kubectl.NewTablePrinter(out, kubectl.TableOptions{}).Print(t)
}

// selectColumns is t with only the named columns, in that order, all shown.
func selectColumns(t *metav1.Table, names []string) (*metav1.Table, error) {
	index := map[string]int{}
	for i, c := range t.ColumnDefinitions {
		index[c.Name] = i
	}
	out := &metav1.Table{}
	for _, name := range names {
		i, ok := index[name]
		if !ok {
			return nil, fmt.Errorf("the pod table has no column %q", name)
		}
		c := t.ColumnDefinitions[i]
		c.Priority = 0
		out.ColumnDefinitions = append(out.ColumnDefinitions, c)
	}
	for _, row := range t.Rows {
		var cells []any
		for _, name := range names {
			cells = append(cells, row.Cells[index[name]])
		}
		out.Rows = append(out.Rows, metav1.TableRow{Cells: cells})
	}
	return out, nil
}

// nodeRow is one line of `ownkube node list`.
type nodeRow struct {
	name, status, endpoint string
	created                time.Time
}

// printNodes writes nodes as NAME STATUS AGE ENDPOINT.
func printNodes(out io.Writer, rows []nodeRow, now time.Time) error {
	if len(rows) == 0 {
		return nil
	}
	t := &metav1.Table{ColumnDefinitions: []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name"}, {Name: "Status", Type: "string"},
		{Name: "Age", Type: "string"}, {Name: "Endpoint", Type: "string"},
	}}
	for _, r := range rows {
		t.Rows = append(t.Rows, metav1.TableRow{Cells: []any{r.name, r.status, age(r.created, now), orNone(r.endpoint)}})
	}
	return kubectl.NewTablePrinter(out, kubectl.TableOptions{}).Print(t)
}

func age(t, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t))
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
