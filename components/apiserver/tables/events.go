package tables

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func init() {
	register(corev1.SchemeGroupVersion.WithResource("events").GroupResource(), newPrinter([]metav1.TableColumnDefinition{
		column("Last Seen", typeString, "The time at which the most recent occurrence of this event was recorded."),
		column("Type", typeString, "Type of this event (Normal, Warning)."),
		column("Reason", typeString, "Short, machine understandable reason for the event."),
		column("Object", typeString, "The object that this event is about."),
		wide("Subobject", typeString, "The part of the object the event is about, such as a container."),
		wide("Source", typeString, "The component reporting this event."),
		column("Message", typeString, "A human-readable description of the event."),
		wide("First Seen", typeString, "The time at which the event was first recorded."),
		wide("Count", typeString, "The number of times this event has occurred."),
		{Name: "Name", Type: typeString, Format: "name", Priority: 1, Description: nameColumn.Description},
	}, printEvent))
}

func printEvent(ev *corev1.Event, now time.Time) []interface{} {
	first, last, count := eventTimes(ev, now)
	return []interface{}{
		last, ev.Type, ev.Reason, eventObject(ev.InvolvedObject), ev.InvolvedObject.FieldPath,
		eventSource(ev), strings.TrimSpace(ev.Message), first, int64(count), ev.Name,
	}
}

// eventTimes reads both generations of events: the core/v1 fields
// (firstTimestamp, lastTimestamp, count) and the events.k8s.io ones
// (eventTime, series), which leave the old ones empty.
func eventTimes(ev *corev1.Event, now time.Time) (first, last string, count int32) {
	first = age(ev.FirstTimestamp, now)
	if ev.FirstTimestamp.IsZero() {
		first = microAge(ev.EventTime, now)
	}
	last = age(ev.LastTimestamp, now)
	if ev.LastTimestamp.IsZero() {
		last = first
	}
	count = ev.Count
	switch {
	case ev.Series != nil:
		last, count = microAge(ev.Series.LastObservedTime, now), ev.Series.Count
	case count == 0: // a singleton event of the new API has no count
		count = 1
	}
	return first, last, count
}

// eventObject is "kind/name" of the object the event is about, the kind in lower case.
func eventObject(ref corev1.ObjectReference) string {
	kind := strings.ToLower(ref.Kind)
	if ref.Name == "" {
		return kind
	}
	return kind + "/" + ref.Name
}

// eventSource is "component, host", from source or else from reportingController and reportingInstance.
func eventSource(ev *corev1.Event) string {
	component := firstNonEmpty(ev.Source.Component, ev.ReportingController)
	host := firstNonEmpty(ev.Source.Host, ev.ReportingInstance)
	if host == "" {
		return component
	}
	return component + ", " + host
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
