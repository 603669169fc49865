package cli_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

func TestGet(t *testing.T) {
	c := startCluster(t)
	c.mustRun("apply", "-f", c.file("all.yaml", podYAML+"---\n"+deploymentYAML+
		"---\napiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n"))
	c.mustRun("apply", "-n", "other", "-f", c.file("db.yaml", strings.ReplaceAll(podYAML, "web", "db")))

	t.Run("a table: the server's columns under upper-case headers", func(t *testing.T) {
		out := c.mustRun("get", "pods")
		lines := fields(out)
		if want := []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}; !slices.Equal(lines[0], want) {
			t.Errorf("header %v, want %v", lines[0], want)
		}
		if len(lines) != 2 || !slices.Equal(lines[1][:4], []string{"web", "0/1", "Pending", "0"}) {
			t.Errorf("rows:\n%s", out)
		}
		// kubectl's layout: each column is its widest cell plus 3 spaces.
		if !strings.HasPrefix(out, "NAME   READY   STATUS    RESTARTS   AGE\nweb    0/1     Pending   0          ") {
			t.Errorf("layout:\n%s", out)
		}
	})
	t.Run("-o wide adds the priority columns", func(t *testing.T) {
		header := fields(c.mustRun("get", "pods", "-o", "wide"))[0]
		if want := []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE", "READINESS", "GATES"}; !slices.Equal(header, want) {
			t.Errorf("header %v, want %v", header, want)
		}
	})
	t.Run("-A adds a NAMESPACE column", func(t *testing.T) {
		lines := fields(c.mustRun("get", "pods", "-A"))
		if lines[0][0] != "NAMESPACE" || len(lines) != 3 {
			t.Fatalf("got %v", lines)
		}
		var rows []string
		for _, l := range lines[1:] {
			rows = append(rows, l[0]+"/"+l[1])
		}
		if want := []string{"default/web", "other/db"}; !slices.Equal(rows, want) {
			t.Errorf("rows %v, want %v", rows, want)
		}
	})
	t.Run("-n picks the namespace", func(t *testing.T) {
		if lines := fields(c.mustRun("get", "po", "-n", "other")); lines[1][0] != "db" {
			t.Errorf("got %v", lines)
		}
	})
	t.Run("-o name", func(t *testing.T) {
		if out := c.mustRun("get", "pods,deploy", "-o", "name"); out != "pod/web\ndeployment.apps/api\n" {
			t.Errorf("got %q", out)
		}
	})
	t.Run("-o yaml round-trips", func(t *testing.T) {
		var pod corev1.Pod
		if err := yaml.UnmarshalStrict([]byte(c.mustRun("get", "pod", "web", "-o", "yaml")), &pod); err != nil {
			t.Fatal(err)
		}
		if pod.Name != "web" || pod.Namespace != "default" || pod.Spec.Containers[0].Image != "ownkube/echo:1" || pod.UID == "" {
			t.Errorf("got %+v", pod)
		}
		var list corev1.List
		if err := yaml.UnmarshalStrict([]byte(c.mustRun("get", "pods", "-o", "yaml")), &list); err != nil {
			t.Fatal(err)
		}
		if list.Kind != "List" || len(list.Items) != 1 {
			t.Errorf("got %+v", list)
		}
	})
	t.Run("-o json of several objects is a List", func(t *testing.T) {
		out := c.mustRun("get", "pods/web", "deploy/api", "-o", "json")
		if !strings.HasPrefix(out, "{\n    \"apiVersion\": \"v1\",\n    \"items\": [") || !strings.Contains(out, `"kind": "Deployment"`) {
			t.Errorf("got:\n%s", out)
		}
	})
	t.Run("short names and name forms", func(t *testing.T) {
		for _, args := range [][]string{{"po"}, {"pod", "web"}, {"pods/web"}, {"Pod"}, {"pods.v1."}} {
			if lines := fields(c.mustRun(append([]string{"get"}, args...)...)); len(lines) != 2 || lines[1][0] != "web" {
				t.Errorf("get %v: %v", args, lines)
			}
		}
		if lines := fields(c.mustRun("get", "deploy")); lines[1][0] != "api" || lines[0][1] != "READY" {
			t.Errorf("get deploy: %v", lines)
		}
		if lines := fields(c.mustRun("get", "ns", "other")); lines[1][0] != "other" {
			t.Errorf("get ns other: %v", lines)
		}
	})
	t.Run("several types: kind-prefixed names, a blank line between", func(t *testing.T) {
		out := c.mustRun("get", "deploy,po")
		tables := strings.Split(out, "\n\n")
		if len(tables) != 2 || !strings.Contains(tables[0], "deployment.apps/api") || !strings.Contains(tables[1], "pod/web") {
			t.Errorf("got:\n%s", out)
		}
	})
	t.Run("selectors", func(t *testing.T) {
		if lines := fields(c.mustRun("get", "po", "-A", "-l", "app=db")); len(lines) != 2 || lines[1][1] != "db" {
			t.Errorf("-l: %v", lines)
		}
		if lines := fields(c.mustRun("get", "po", "-A", "--field-selector", "metadata.namespace=other")); len(lines) != 2 || lines[1][1] != "db" {
			t.Errorf("--field-selector: %v", lines)
		}
	})
	t.Run("nothing found is said on stderr", func(t *testing.T) {
		out, errOut, err := c.run("get", "po", "-n", "nobody")
		if err != nil || out != "" || errOut != "No resources found in nobody namespace.\n" {
			t.Errorf("got %q %q %v", out, errOut, err)
		}
	})
	t.Run("a missing name is the server's NotFound", func(t *testing.T) {
		_, _, err := c.run("get", "pod", "x")
		if err == nil || err.Error() != `Error from server (NotFound): pods "x" not found` {
			t.Errorf("err = %v", err)
		}
		_, _, err = c.run("get", "widgets")
		if err == nil || err.Error() != `the server doesn't have a resource type "widgets"` {
			t.Errorf("err = %v", err)
		}
	})
}

func TestGetWatchPrintsARowPerChange(t *testing.T) {
	c := startCluster(t)
	c.mustRun("apply", "-f", c.file("web.yaml", podYAML))

	ctx, cancel := context.WithCancel(context.Background())
	out, errOut := newSyncBuffer(), newSyncBuffer()
	done := make(chan error, 1)
	go func() { done <- c.runContext(ctx, "", out, errOut, "get", "pods", "-w") }()
	out.waitFor(t, "web ", 10*time.Second)

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web2"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}},
	}
	if _, err := c.srv.Client.CoreV1().Pods("default").Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	out.waitFor(t, "web2", 10*time.Second)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("watch ended with %v", err)
	}
	lines := fields(out.String())
	if lines[0][0] != "NAME" || len(lines) != 3 || lines[2][0] != "web2" {
		t.Errorf("want a header then one row per event, got:\n%s", out.String())
	}
}
