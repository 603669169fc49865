package cli_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestApplyCreatesThenConfiguresThenLeavesUnchanged(t *testing.T) {
	c := startCluster(t)
	path := c.file("web.yaml", podYAML+"---\n"+deploymentYAML)

	if out := c.mustRun("apply", "-f", path); out != "pod/web created\ndeployment.apps/api created\n" {
		t.Errorf("first apply printed %q", out)
	}
	if out := c.mustRun("apply", "-f", path); out != "pod/web unchanged\ndeployment.apps/api unchanged\n" {
		t.Errorf("second apply printed %q", out)
	}

	// Someone else labels the pod; the file drops a label and changes the image.
	ctx := context.Background()
	pod, err := c.srv.Client.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Labels["owner"] = "someone-else"
	if _, err := c.srv.Client.CoreV1().Pods("default").Update(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	changed := strings.NewReplacer("labels: {app: web, tier: front}", "labels: {app: web}", "echo:1", "echo:2").Replace(podYAML)
	if out := c.mustRun("apply", "-f", c.file("web.yaml", changed)); out != "pod/web configured\n" {
		t.Errorf("apply of a change printed %q", out)
	}

	pod, err = c.srv.Client.CoreV1().Pods("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := pod.Spec.Containers[0].Image; got != "ownkube/echo:2" {
		t.Errorf("image = %s, want ownkube/echo:2", got)
	}
	if _, ok := pod.Labels["tier"]; ok {
		t.Errorf("label tier, dropped from the file, is still there: %v", pod.Labels)
	}
	if pod.Labels["owner"] != "someone-else" {
		t.Errorf("label owner, set by someone else, was removed: %v", pod.Labels)
	}
	if last := pod.Annotations[corev1.LastAppliedConfigAnnotation]; !strings.Contains(last, `"image":"ownkube/echo:2"`) {
		t.Errorf("last-applied annotation not updated: %s", last)
	}
	if out := c.mustRun("apply", "-f", c.file("web.yaml", changed)); out != "pod/web unchanged\n" {
		t.Errorf("re-apply printed %q", out)
	}
}

func TestApplyFromStdinIntoANamespace(t *testing.T) {
	c := startCluster(t)
	ns := "apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n"
	out, errOut := newSyncBuffer(), newSyncBuffer()
	if err := c.runContext(context.Background(), ns, out, errOut, "apply", "-f", "-"); err != nil {
		t.Fatal(err, errOut)
	}
	out, errOut = newSyncBuffer(), newSyncBuffer()
	if err := c.runContext(context.Background(), podYAML, out, errOut, "apply", "-f", "-", "-n", "team"); err != nil {
		t.Fatal(err, errOut)
	}
	if _, err := c.srv.Client.CoreV1().Pods("team").Get(context.Background(), "web", metav1.GetOptions{}); err != nil {
		t.Errorf("pod not created in namespace team: %v", err)
	}
}

func TestApplyShowsTheServersErrorAndFails(t *testing.T) {
	c := startCluster(t)
	path := c.file("bad.yaml", `apiVersion: v1
kind: Pod
metadata: {name: empty}
spec: {containers: []}
---
apiVersion: v1
kind: Pod
metadata: {name: typo}
spec:
  containers: [{name: c, image: i}]
  restartPolicyy: Never
---
apiVersion: v1
kind: ConfigMap
metadata: {name: fine}
data: {k: v}
`)
	out, _, err := c.run("apply", "-f", path)
	if err == nil {
		t.Fatal("apply of invalid objects succeeded")
	}
	if out != "configmap/fine created\n" {
		t.Errorf("stdout %q: the valid object should still be applied", out)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per failed object, got:\n%s", err)
	}
	wantPrefix := `Error from server (Invalid): error when creating "` + path + `": Pod "empty" is invalid: spec.containers: Required value`
	if !strings.HasPrefix(lines[0], wantPrefix) {
		t.Errorf("got  %s\nwant %s…", lines[0], wantPrefix)
	}
	if !strings.HasPrefix(lines[1], "Error from server (BadRequest)") || !strings.Contains(lines[1], `unknown field "spec.restartPolicyy"`) {
		t.Errorf("unknown field not refused with the server's message: %s", lines[1])
	}
}
