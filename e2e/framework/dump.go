package framework

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
	. "github.com/onsi/ginkgo/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/yaml"

	"github.com/ownkube/ownkube/components/cluster"
)

// logTail is how many lines of each container's log a failing spec carries.
const logTail = 300

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// attachContainerLogs attaches the last lines logged by every container of
// the cluster — control plane, nodes, pods — to the current spec's report.
func attachContainerLogs(ctx context.Context, name string) {
	cs, err := docker.ContainerList(ctx, container.ListOptions{All: true, Filters: cluster.ClusterFilter(name)})
	if err != nil {
		AddReportEntry("Containers of cluster "+name, "cannot list them: "+err.Error(), ReportEntryVisibilityFailureOrVerbose)
		return
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Created < cs[j].Created })
	for _, c := range cs {
		cname := strings.TrimPrefix(firstOr(c.Names, c.ID[:12]), "/")
		title := fmt.Sprintf("Logs of container %s (%s, last %d lines)", cname, c.Status, logTail)
		AddReportEntry(title, containerLogs(ctx, c.ID), ReportEntryVisibilityFailureOrVerbose)
	}
}

func containerLogs(ctx context.Context, id string) string {
	rc, err := docker.ContainerLogs(ctx, id, container.LogsOptions{
		ShowStdout: true, ShowStderr: true, Timestamps: true, Tail: fmt.Sprint(logTail),
	})
	if err != nil {
		return "cannot read logs: " + err.Error()
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil {
		fmt.Fprintf(&buf, "\n(reading logs failed: %v)", err)
	}
	return buf.String()
}

// attachNamespace attaches the objects of namespace ns, of every namespaced
// resource the API server serves, and its events to the current spec's report.
func attachNamespace(ctx context.Context, ns string) {
	AddReportEntry("Objects in namespace "+ns, namespaceObjects(ctx, ns), ReportEntryVisibilityFailureOrVerbose)
	AddReportEntry("Events in namespace "+ns, namespaceEvents(ctx, ns), ReportEntryVisibilityFailureOrVerbose)
}

func namespaceObjects(ctx context.Context, ns string) string {
	var out strings.Builder
	lists, err := discovery.NewDiscoveryClient(Client().Discovery().RESTClient()).ServerPreferredNamespacedResources()
	if err != nil {
		// Partial discovery still lists what it could; say what it could not.
		fmt.Fprintf(&out, "(discovery: %v)\n", err)
	}
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range list.APIResources {
			if strings.Contains(r.Name, "/") || !hasVerb(r, "list") || r.Name == "events" {
				continue // subresources; events are shown on their own
			}
			items, err := DynamicClient().Resource(gv.WithResource(r.Name)).Namespace(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				fmt.Fprintf(&out, "== %s: cannot list: %v\n", r.Name, err)
				continue
			}
			if len(items.Items) == 0 {
				continue
			}
			fmt.Fprintf(&out, "== %s (%d)\n", r.Name, len(items.Items))
			for _, item := range items.Items {
				out.WriteString(objectYAML(item))
				out.WriteString("---\n")
			}
		}
	}
	if out.Len() == 0 {
		return "(no objects)"
	}
	return out.String()
}

func objectYAML(obj unstructured.Unstructured) string {
	unstructured.RemoveNestedField(obj.Object, "metadata", "managedFields")
	b, err := yaml.Marshal(obj.Object)
	if err != nil {
		return fmt.Sprintf("%s/%s: %v\n", obj.GetKind(), obj.GetName(), err)
	}
	return string(b)
}

func namespaceEvents(ctx context.Context, ns string) string {
	events, err := Client().CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "cannot list events: " + err.Error()
	}
	if len(events.Items) == 0 {
		return "(no events)"
	}
	sort.SliceStable(events.Items, func(i, j int) bool {
		return eventTime(events.Items[i]).Before(eventTime(events.Items[j]))
	})
	var out strings.Builder
	for _, e := range events.Items {
		fmt.Fprintf(&out, "%s  %-7s %-20s %s/%s: %s\n",
			eventTime(e).Format(time.RFC3339), e.Type, e.Reason,
			strings.ToLower(e.InvolvedObject.Kind), e.InvolvedObject.Name, e.Message)
	}
	return out.String()
}

func eventTime(e corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	default:
		return e.CreationTimestamp.Time
	}
}

func hasVerb(r metav1.APIResource, verb string) bool {
	for _, v := range r.Verbs {
		if v == verb {
			return true
		}
	}
	return false
}

func firstOr(names []string, def string) string {
	if len(names) > 0 {
		return names[0]
	}
	return def
}
