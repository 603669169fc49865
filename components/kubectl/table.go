package kubectl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kubectl's tabwriter settings (k8s.io/cli-runtime/pkg/printers.GetNewTabWriter):
// a column is its widest cell plus 3 spaces, and at least 6 wide.
const (
	tabMinWidth = 6
	tabWidth    = 4
	tabPadding  = 3
)

// TableOptions choose what of a Table is shown.
type TableOptions struct {
	// Wide shows the columns of priority > 0 (-o wide).
	Wide bool
	// WithNamespace adds a NAMESPACE column first (-A), read from each
	// row's embedded object.
	WithNamespace bool
	// Kind, when set, prefixes names as kubectl does when several types
	// are printed: pod/web, deployment.apps/web.
	Kind string
}

// TablePrinter lays Tables out as kubectl does: upper-case headers, cells
// aligned with text/tabwriter, headers printed again only when the columns
// change. Like kubectl's tabwriter it remembers column widths between
// Prints, so rows of a watch, printed one event at a time, line up with
// those printed before them.
type TablePrinter struct {
	out     io.Writer
	opts    TableOptions
	columns []metav1.TableColumnDefinition // the last header printed
	widths  []int                          // remembered column widths
}

// NewTablePrinter returns a printer writing to out.
func NewTablePrinter(out io.Writer, opts TableOptions) *TablePrinter {
	return &TablePrinter{out: out, opts: opts}
}

// Print writes the rows of t, under a header unless the last Print showed
// the same columns. A Table with no rows prints nothing; one with no column
// definitions (as some servers send in watch events) reuses the last ones.
func (p *TablePrinter) Print(t *metav1.Table) error {
	columns := t.ColumnDefinitions
	if len(columns) == 0 {
		columns = p.columns
	}
	if len(t.Rows) == 0 {
		return nil
	}
	var lines [][]string
	if p.columns == nil || !reflect.DeepEqual(columns, p.columns) {
		p.columns, p.widths = columns, nil
		lines = append(lines, p.header(columns))
	}
	for _, row := range t.Rows {
		lines = append(lines, p.cells(columns, row))
	}
	return p.write(lines)
}

func (p *TablePrinter) header(columns []metav1.TableColumnDefinition) []string {
	var names []string
	if p.opts.WithNamespace {
		names = append(names, "NAMESPACE")
	}
	for _, c := range columns {
		if p.visible(c) {
			names = append(names, strings.ToUpper(c.Name))
		}
	}
	return names
}

func (p *TablePrinter) visible(c metav1.TableColumnDefinition) bool {
	return p.opts.Wide || c.Priority == 0
}

func (p *TablePrinter) cells(columns []metav1.TableColumnDefinition, row metav1.TableRow) []string {
	var cells []string
	if p.opts.WithNamespace {
		cells = append(cells, rowNamespace(row))
	}
	for i, c := range columns {
		if !p.visible(c) {
			continue
		}
		var text string
		if i < len(row.Cells) {
			text = cellText(row.Cells[i])
		}
		if p.opts.Kind != "" && c.Format == "name" && c.Type == "string" {
			text = p.opts.Kind + "/" + text
		}
		cells = append(cells, text)
	}
	return cells
}

// write lays lines out with text/tabwriter. Each cell but the last of a
// line is padded to its column's remembered width first, so the tabwriter
// never makes a column narrower than it was in an earlier Print.
func (p *TablePrinter) write(lines [][]string) error {
	tw := tabwriter.NewWriter(p.out, tabMinWidth, tabWidth, tabPadding, ' ', 0)
	var buf bytes.Buffer
	for _, line := range lines {
		buf.Reset()
		for i, cell := range line {
			if i == len(line)-1 {
				buf.WriteString(cell)
				break
			}
			for len(p.widths) <= i {
				p.widths = append(p.widths, 0)
			}
			buf.WriteString(cell)
			for n := utf8.RuneCountInString(cell); n < p.widths[i]-tabPadding; n++ {
				buf.WriteByte(' ')
			}
			buf.WriteByte('\t')
			p.widths[i] = max(p.widths[i], utf8.RuneCountInString(cell)+tabPadding, tabMinWidth)
		}
		buf.WriteByte('\n')
		if _, err := tw.Write(buf.Bytes()); err != nil {
			return err
		}
	}
	return tw.Flush()
}

// cellText is a cell as kubectl shows it: nothing for null, a string cut
// at its first line break (marked with ...), terminal escapes made
// harmless, numbers as the server wrote them.
func cellText(cell interface{}) string {
	var s string
	switch v := cell.(type) {
	case nil:
		return ""
	case string:
		s = v
	default:
		s = fmt.Sprint(v)
	}
	if i := strings.IndexAny(s, "\f\n\r"); i >= 0 {
		s = s[:i] + "..."
	}
	return strings.ReplaceAll(s, "\x1b", "^[")
}

// rowNamespace reads the namespace of a row's embedded object (by default
// the server embeds its metadata as a PartialObjectMetadata).
func rowNamespace(row metav1.TableRow) string {
	var obj struct {
		Metadata struct {
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	if len(row.Object.Raw) == 0 || json.Unmarshal(row.Object.Raw, &obj) != nil {
		return ""
	}
	return obj.Metadata.Namespace
}

// decodeTable reads a meta.k8s.io Table, keeping numbers as the server
// wrote them (3, not 3.0e+00).
func decodeTable(data []byte) (*metav1.Table, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var t metav1.Table
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("read table: %w", err)
	}
	if t.Kind != "Table" {
		return nil, fmt.Errorf("read table: the server sent a %q, not a Table", t.Kind)
	}
	return &t, nil
}
