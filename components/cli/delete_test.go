package cli_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDeleteThenGetIsNotFound(t *testing.T) {
	c := startCluster(t)
	path := c.file("all.yaml", podYAML+"---\n"+deploymentYAML)
	c.mustRun("apply", "-f", path)

	if out := c.mustRun("delete", "po", "web"); out != "pod \"web\" deleted\n" {
		t.Errorf("delete printed %q", out)
	}
	if _, _, err := c.run("get", "pod", "web"); err == nil || err.Error() != `Error from server (NotFound): pods "web" not found` {
		t.Errorf("get after delete: %v", err)
	}

	out, _, err := c.run("delete", "-f", path)
	if out != "deployment.apps \"api\" deleted\n" || err == nil || !strings.Contains(err.Error(), `pods "web" not found`) {
		t.Errorf("delete -f printed %q, %v", out, err)
	}
	if out := c.mustRun("delete", "-f", path, "--ignore-not-found"); out != "" {
		t.Errorf("delete --ignore-not-found printed %q", out)
	}
}

// A pod on a node is only marked for deletion; it is gone when its kubelet
// says so, and delete waits for that.
func TestDeleteWaitsUntilTheObjectIsGone(t *testing.T) {
	c := startCluster(t)
	ctx := context.Background()
	pods := c.srv.Client.CoreV1().Pods("default")
	bound := func(name string) {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c", Image: "i"}}},
		}
		if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	bound("slow")
	_, _, err := c.run("delete", "pod", "slow", "--timeout", "500ms")
	if err == nil || !strings.Contains(err.Error(), `timed out after 500ms waiting for pod "slow" to be deleted`) {
		t.Errorf("err = %v", err)
	}

	bound("web")
	out, errOut := newSyncBuffer(), newSyncBuffer()
	done := make(chan error, 1)
	go func() { done <- c.runContext(ctx, "", out, errOut, "delete", "pod", "web") }()
	out.waitFor(t, `pod "web" deleted`, 10*time.Second)
	select {
	case err := <-done:
		t.Fatalf("delete returned (%v) while the pod still terminates", err)
	case <-time.After(200 * time.Millisecond):
	}
	// The kubelet's part: the containers are gone, remove the pod at once.
	if err := pods.Delete(ctx, "web", metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("delete: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("delete still waits after the pod is gone")
	}
}
