package tables

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
)

// The cell values kube prints for what is missing.
const (
	none    = "<none>"
	unknown = "<unknown>"
)

// Column types, as in the OpenAPI types kubectl knows.
const (
	typeString  = "string"
	typeInteger = "integer"
	typeBoolean = "boolean"
	typeDate    = "date"
)

var (
	nameColumn = metav1.TableColumnDefinition{Name: "Name", Type: typeString, Format: "name",
		Description: "Name must be unique within a namespace."}
	ageColumn = metav1.TableColumnDefinition{Name: "Age", Type: typeString,
		Description: "Time since the object was created."}
	containersColumn = wide("Containers", typeString, "Names of each container in the template.")
	imagesColumn     = wide("Images", typeString, "Images referenced by each container in the template.")
)

// column is a column kubectl always shows.
func column(name, typ, description string) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: description}
}

// wide is a column kubectl shows only with -o wide.
func wide(name, typ, description string) metav1.TableColumnDefinition {
	c := column(name, typ, description)
	c.Priority = 1
	return c
}

// age is how long ago t was, as kubectl prints it: "5m", "3d4h"; "<unknown>" for no time.
func age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return unknown
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// microAge is age for a MicroTime.
func microAge(t metav1.MicroTime, now time.Time) string {
	if t.IsZero() {
		return unknown
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

// orNone is s, or "<none>" if s is empty.
func orNone(s string) string {
	if s == "" {
		return none
	}
	return s
}

// containerCells lays out the containers' names and images, comma separated.
func containerCells(containers []corev1.Container) (names, images string) {
	n := make([]string, len(containers))
	i := make([]string, len(containers))
	for k, c := range containers {
		n[k], i[k] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(i, ",")
}

// defaultPrinter is kube's default table convertor, for kinds without a printer.
var defaultPrinter = printer{
	columns: []metav1.TableColumnDefinition{
		nameColumn,
		column("Created At", typeDate, "Time the object was created."),
	},
	cells: func(obj runtime.Object, _ time.Time) []interface{} {
		m, _ := meta.Accessor(obj) // accepts has checked
		return []interface{}{m.GetName(), m.GetCreationTimestamp().UTC().Format(time.RFC3339)}
	},
	accepts: func(obj runtime.Object) bool { _, err := meta.Accessor(obj); return err == nil },
}
