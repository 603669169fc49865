package kubectl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

// tableAccept is what kubectl get sends: a Table, else the objects.
const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

// outputs are the -o formats of get; "" is the table.
var outputs = []string{"", "wide", "yaml", "json", "name"}

// GetOptions are the flags of get.
type GetOptions struct {
	Output        string // "" (a table), wide, yaml, json or name
	AllNamespaces bool
	LabelSelector string
	FieldSelector string
	Watch         bool // after printing, print a row (or object) per change until ctx ends
}

func (o GetOptions) table() bool { return o.Output == "" || o.Output == "wide" }

// Get prints what args name (see resolve), as kubectl get does. It goes on
// past objects it cannot get, and returns their errors at the end.
func (c *Client) Get(ctx context.Context, args []string, o GetOptions) error {
	return c.run(ctx, func() error { return c.get(ctx, args, o) })
}

func (c *Client) get(ctx context.Context, args []string, o GetOptions) error {
	if !slices.Contains(outputs, o.Output) {
		return fmt.Errorf("unknown output format %q: use wide, yaml, json or name", o.Output)
	}
	namespace := c.namespace
	if o.AllNamespaces {
		namespace = ""
	}
	ts, err := c.resolve(ctx, args, namespace)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.name != "" && o.AllNamespaces && namespaced(t.mapping) {
			return errors.New("a resource cannot be retrieved by name across all namespaces: drop -A, or use -n")
		}
	}
	switch {
	case o.Watch:
		return c.watch(ctx, ts, o)
	case o.table():
		return c.getTables(ctx, ts, o)
	default:
		return c.getObjects(ctx, ts, o)
	}
}

// getTables prints one table per type, a blank line between them.
func (c *Client) getTables(ctx context.Context, ts []target, o GetOptions) error {
	withKind := severalKinds(ts)
	out := &countingWriter{w: c.out}
	var errs errorList
	for _, group := range byType(ts) {
		table, failed := c.tables(ctx, group, o)
		errs = append(errs, failed...)
		if table == nil || len(table.Rows) == 0 {
			continue
		}
		if out.n > 0 {
			fmt.Fprintln(out)
		}
		if err := NewTablePrinter(out, c.tableOptions(group[0], o, withKind)).Print(table); err != nil {
			return err
		}
	}
	if out.n == 0 && len(errs) == 0 {
		c.noResources(ts, o)
	}
	return errs.orNil()
}

// byType splits ts into runs of one type, each printed as one table.
func byType(ts []target) [][]target {
	var groups [][]target
	for len(ts) > 0 {
		n := 1
		for n < len(ts) && ts[n].mapping.Resource == ts[0].mapping.Resource {
			n++
		}
		groups = append(groups, ts[:n])
		ts = ts[n:]
	}
	return groups
}

// tables gets the Tables of targets of one type as one: nil if none could
// be got, with the errors of those that could not.
func (c *Client) tables(ctx context.Context, ts []target, o GetOptions) (*metav1.Table, errorList) {
	var merged *metav1.Table
	var errs errorList
	for _, t := range ts {
		table, err := c.table(ctx, t, o)
		switch {
		case err != nil:
			errs = append(errs, err)
		case merged == nil:
			merged = table
		default:
			merged.Rows = append(merged.Rows, table.Rows...)
		}
	}
	return merged, errs
}

// noResources says on stderr, as kubectl does, that nothing was printed.
func (c *Client) noResources(ts []target, o GetOptions) {
	inNamespace := !o.AllNamespaces
	for _, t := range ts {
		inNamespace = inNamespace && namespaced(t.mapping)
	}
	if inNamespace {
		fmt.Fprintf(c.errOut, "No resources found in %s namespace.\n", c.namespace)
		return
	}
	fmt.Fprintln(c.errOut, "No resources found")
}

func (c *Client) tableOptions(t target, o GetOptions, withKind bool) TableOptions {
	opts := TableOptions{Wide: o.Output == "wide", WithNamespace: o.AllNamespaces && namespaced(t.mapping)}
	if withKind {
		opts.Kind = kindName(t.mapping)
	}
	return opts
}

// table gets t as a Table.
func (c *Client) table(ctx context.Context, t target, o GetOptions) (*metav1.Table, error) {
	data, err := do(ctx, c.read(t, o).SetHeader("Accept", tableAccept))
	if err != nil {
		return nil, err
	}
	return decodeTable(data)
}

// getObjects prints the objects: the object itself when one was named,
// else a List of all of them (yaml, json), or their names.
func (c *Client) getObjects(ctx context.Context, ts []target, o GetOptions) error {
	var items []unstructured.Unstructured
	var errs errorList
	for _, t := range ts {
		got, _, err := c.objects(ctx, t, o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		items = append(items, got...)
	}
	p := &objectPrinter{out: c.out, format: o.Output}
	var err error
	switch {
	case o.Output == "name":
		for i := range items {
			err = errors.Join(err, p.print(&items[i]))
		}
	case len(ts) == 1 && ts[0].name != "" && len(items) == 1:
		err = p.print(&items[0])
	case len(errs) == 0 || len(items) > 0:
		err = p.print(list(items))
	}
	if err != nil {
		return err
	}
	return errs.orNil()
}

// objects gets the object t names, or the items of its collection, and
// the resourceVersion to watch from.
func (c *Client) objects(ctx context.Context, t target, o GetOptions) ([]unstructured.Unstructured, string, error) {
	data, err := do(ctx, c.read(t, o))
	if err != nil {
		return nil, "", err
	}
	if t.name != "" {
		var obj unstructured.Unstructured
		if err := obj.UnmarshalJSON(data); err != nil {
			return nil, "", fmt.Errorf("read %s %q: %w", kindName(t.mapping), t.name, err)
		}
		return []unstructured.Unstructured{obj}, obj.GetResourceVersion(), nil
	}
	var l unstructured.UnstructuredList
	if err := l.UnmarshalJSON(data); err != nil {
		return nil, "", fmt.Errorf("read %s list: %w", kindName(t.mapping), err)
	}
	return l.Items, l.GetResourceVersion(), nil
}

// read starts the GET of t, with the selectors for a collection.
func (c *Client) read(t target, o GetOptions) *rest.Request {
	r := c.request("GET", t)
	if t.name == "" {
		if o.LabelSelector != "" {
			r = r.Param("labelSelector", o.LabelSelector)
		}
		if o.FieldSelector != "" {
			r = r.Param("fieldSelector", o.FieldSelector)
		}
	}
	return r
}

// watch prints the current state of one type (or object), then one row
// (or object) per change, until ctx ends.
func (c *Client) watch(ctx context.Context, ts []target, o GetOptions) error {
	if len(ts) != 1 {
		return errors.New("watch is only supported on one resource or one collection: more than one was given")
	}
	printState := c.printTableState
	if !o.table() {
		printState = c.printObjectState
	}
	rv, printEvent, err := printState(ctx, ts[0], o)
	if err != nil {
		return err
	}
	err = c.watchFrom(ctx, ts[0], o, rv, func(_ watch.EventType, data []byte) (bool, error) {
		return false, printEvent(data)
	})
	if ctx.Err() != nil {
		return nil // Ctrl-C is how a watch ends
	}
	return err
}

// printTableState prints the table of t, and returns the resourceVersion
// to watch from and how to print the Table of each event.
func (c *Client) printTableState(ctx context.Context, t target, o GetOptions) (string, func([]byte) error, error) {
	p := NewTablePrinter(c.out, c.tableOptions(t, o, false))
	table, err := c.table(ctx, t, o)
	if err == nil {
		err = p.Print(table)
	}
	if err != nil {
		return "", nil, err
	}
	rv := table.ResourceVersion
	if rv == "" && len(table.Rows) == 1 { // a single object's Table may carry no list metadata
		rv = rowResourceVersion(table.Rows[0])
	}
	return rv, func(data []byte) error {
		table, err := decodeTable(data)
		if err != nil {
			return err
		}
		return p.Print(table)
	}, nil
}

// printObjectState prints the objects of t one by one, and returns the
// resourceVersion to watch from and how to print the object of each event.
func (c *Client) printObjectState(ctx context.Context, t target, o GetOptions) (string, func([]byte) error, error) {
	p := &objectPrinter{out: c.out, format: o.Output}
	items, rv, err := c.objects(ctx, t, o)
	if err != nil {
		return "", nil, err
	}
	for i := range items {
		if err := p.print(&items[i]); err != nil {
			return "", nil, err
		}
	}
	return rv, func(data []byte) error {
		var obj unstructured.Unstructured
		if err := obj.UnmarshalJSON(data); err != nil {
			return fmt.Errorf("read watch event: %w", err)
		}
		return p.print(&obj)
	}, nil
}

// watchFrom watches t from resourceVersion rv; a named t is watched through
// its collection, narrowed to its name.
func (c *Client) watchFrom(ctx context.Context, t target, o GetOptions, rv string, fn func(watch.EventType, []byte) (bool, error)) error {
	name := t.name
	t.name = ""
	if name != "" {
		o.LabelSelector, o.FieldSelector = "", "metadata.name="+name
	}
	r := c.read(t, o).Param("resourceVersion", rv)
	if o.table() {
		r = r.SetHeader("Accept", tableAccept)
	}
	return watchEvents(ctx, r, fn)
}

func rowResourceVersion(row metav1.TableRow) string {
	var obj struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	_ = json.Unmarshal(row.Object.Raw, &obj)
	return obj.Metadata.ResourceVersion
}

// severalKinds reports whether ts span more than one type, when kubectl
// prefixes names with their kind.
func severalKinds(ts []target) bool {
	for _, t := range ts {
		if t.mapping.Resource != ts[0].mapping.Resource {
			return true
		}
	}
	return false
}

// list is the List kubectl prints for several objects of any kinds.
func list(items []unstructured.Unstructured) *unstructured.UnstructuredList {
	l := &unstructured.UnstructuredList{Object: map[string]interface{}{
		"apiVersion": "v1",
		"kind":       "List",
		"metadata":   map[string]interface{}{"resourceVersion": ""},
	}}
	l.Items = items
	return l
}

// objectPrinter prints objects as yaml (documents separated by ---), json
// (indented by 4, as kubectl does) or kind/name.
type objectPrinter struct {
	out    io.Writer
	format string
	count  int
}

func (p *objectPrinter) print(obj interface {
	MarshalJSON() ([]byte, error)
}) error {
	p.count++
	if u, ok := obj.(*unstructured.Unstructured); ok {
		u.SetManagedFields(nil)
		if p.format == "name" {
			_, err := fmt.Fprintf(p.out, "%s/%s\n", kindOf(u), u.GetName())
			return err
		}
	}
	if l, ok := obj.(*unstructured.UnstructuredList); ok {
		for i := range l.Items {
			l.Items[i].SetManagedFields(nil)
		}
	}
	data, err := obj.MarshalJSON() // compact, keys sorted
	if err != nil {
		return err
	}
	if p.format == "json" {
		var buf bytes.Buffer
		if err := json.Indent(&buf, bytes.TrimSpace(data), "", "    "); err != nil {
			return err
		}
		buf.WriteByte('\n')
		_, err = buf.WriteTo(p.out)
		return err
	}
	if data, err = yaml.JSONToYAML(data); err != nil {
		return err
	}
	if p.count > 1 {
		data = append([]byte("---\n"), data...)
	}
	_, err = p.out.Write(data)
	return err
}

// kindOf names the kind of obj as kubectl does: pod, deployment.apps.
func kindOf(obj *unstructured.Unstructured) string {
	gk := obj.GroupVersionKind().GroupKind()
	return strings.ToLower(gk.String())
}

// countingWriter counts what went through it, to know whether a table was
// printed before (for the blank line between tables and "No resources").
type countingWriter struct {
	w io.Writer
	n int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.n += n
	return n, err
}
