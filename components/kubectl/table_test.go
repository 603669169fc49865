package kubectl

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

var podColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name"},
	{Name: "Ready", Type: "string"},
	{Name: "Restarts", Type: "integer"},
	{Name: "IP", Type: "string", Priority: 1},
}

func podRow(namespace, name, ready string, restarts int, ip string) metav1.TableRow {
	meta := `{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"` + name + `","namespace":"` + namespace + `"}}`
	return metav1.TableRow{
		Cells:  []interface{}{name, ready, json.Number(strings.TrimSpace(itoa(restarts))), ip},
		Object: runtime.RawExtension{Raw: []byte(meta)},
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestTablePrinter(t *testing.T) {
	rows := []metav1.TableRow{
		podRow("default", "web", "1/1", 0, "10.0.0.7"),
		podRow("kube-system", "a-longer-name", "0/1", 12, "<none>"),
	}
	for _, tc := range []struct {
		name string
		opts TableOptions
		want string
	}{
		{"plain", TableOptions{}, "" +
			"NAME            READY   RESTARTS\n" +
			"web             1/1     0\n" +
			"a-longer-name   0/1     12\n"},
		{"wide shows priority 1 columns", TableOptions{Wide: true}, "" +
			"NAME            READY   RESTARTS   IP\n" +
			"web             1/1     0          10.0.0.7\n" +
			"a-longer-name   0/1     12         <none>\n"},
		{"all namespaces", TableOptions{WithNamespace: true}, "" +
			"NAMESPACE     NAME            READY   RESTARTS\n" +
			"default       web             1/1     0\n" +
			"kube-system   a-longer-name   0/1     12\n"},
		{"with kind", TableOptions{Kind: "pod"}, "" +
			"NAME                READY   RESTARTS\n" +
			"pod/web             1/1     0\n" +
			"pod/a-longer-name   0/1     12\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			table := &metav1.Table{ColumnDefinitions: podColumns, Rows: append([]metav1.TableRow(nil), rows...)}
			if err := NewTablePrinter(&out, tc.opts).Print(table); err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", out.String(), tc.want)
			}
		})
	}
}

// Rows printed one Print at a time (a watch) keep the widths of earlier
// ones, and the header is not repeated.
func TestTablePrinterRemembersWidths(t *testing.T) {
	var out bytes.Buffer
	p := NewTablePrinter(&out, TableOptions{})
	for _, row := range []metav1.TableRow{
		podRow("default", "a-longer-name", "0/1", 0, ""),
		podRow("default", "web", "1/1", 0, ""),
	} {
		if err := p.Print(&metav1.Table{ColumnDefinitions: podColumns, Rows: []metav1.TableRow{row}}); err != nil {
			t.Fatal(err)
		}
	}
	want := "" +
		"NAME            READY   RESTARTS\n" +
		"a-longer-name   0/1     0\n" +
		"web             1/1     0\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestTablePrinterPrintsNothingForNoRows(t *testing.T) {
	var out bytes.Buffer
	if err := NewTablePrinter(&out, TableOptions{}).Print(&metav1.Table{ColumnDefinitions: podColumns}); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("printed %q for an empty table", out.String())
	}
}

func TestCellText(t *testing.T) {
	for in, want := range map[interface{}]string{
		nil:               "",
		"Running":         "Running",
		"two\nlines":      "two...",
		"\x1b[31mred":     "^[[31mred",
		json.Number("42"): "42",
		true:              "true",
	} {
		if got := cellText(in); got != want {
			t.Errorf("cellText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecodeTableKeepsIntegers(t *testing.T) {
	table, err := decodeTable([]byte(`{"kind":"Table","apiVersion":"meta.k8s.io/v1","columnDefinitions":[{"name":"N","type":"integer"}],"rows":[{"cells":[12345678901]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := cellText(table.Rows[0].Cells[0]); got != "12345678901" {
		t.Errorf("cell = %q", got)
	}
	if _, err := decodeTable([]byte(`{"kind":"Pod","apiVersion":"v1"}`)); err == nil {
		t.Error("a Pod was read as a Table")
	}
}
