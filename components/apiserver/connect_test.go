package apiserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

// portForward sends the SPDY upgrade kubectl port-forward sends and
// returns the Status the server answers with instead of upgrading.
func portForward(t *testing.T, s *apiservertest.Server, pod, query string, upgrade bool) (int, metav1.Status) {
	t.Helper()
	u := s.URL + "/api/v1/namespaces/default/pods/" + pod + "/portforward" + query
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if upgrade {
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "SPDY/3.1")
		req.Header.Set("X-Stream-Protocol-Version", "portforward.k8s.io")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var status metav1.Status
	if err := json.NewDecoder(resp.Body).Decode(&status); err != nil {
		t.Fatalf("port-forward to %s answered %d without a Status: %v", pod, resp.StatusCode, err)
	}
	return resp.StatusCode, status
}

func TestPortForwardRefusesWhatCannotBeForwardedWithAStatus(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	ctx := context.Background()
	pods := s.Client.CoreV1().Pods("default")
	app := []corev1.Container{{Name: "app", Image: "ownkube/echo"}}
	mustCreate := func(p *corev1.Pod) {
		t.Helper()
		if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	mustCreate(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "unscheduled"}, Spec: corev1.PodSpec{Containers: app}})
	mustCreate(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "pending"}, Spec: corev1.PodSpec{NodeName: "n1", Containers: app}})
	mustCreate(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "running"}, Spec: corev1.PodSpec{NodeName: "gone", Containers: app}})
	running, err := pods.Get(ctx, "running", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	running.Status.Phase = corev1.PodRunning
	if _, err := pods.UpdateStatus(ctx, running, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pod, query string
		upgrade    bool
		code       int
		reason     metav1.StatusReason
		says       string
	}{
		{"missing", "", true, http.StatusNotFound, metav1.StatusReasonNotFound, `pods "missing" not found`},
		{"unscheduled", "", true, http.StatusBadRequest, metav1.StatusReasonBadRequest, "does not have a host assigned"},
		{"pending", "", true, http.StatusBadRequest, metav1.StatusReasonBadRequest, "is not running. Current status=Pending"},
		{"running", "?ports=http", true, http.StatusBadRequest, metav1.StatusReasonBadRequest, `invalid port "http"`},
		{"running", "", true, http.StatusNotFound, metav1.StatusReasonNotFound, `nodes "gone" not found`},
	} {
		code, status := portForward(t, s, tc.pod, tc.query, tc.upgrade)
		if code != tc.code || status.Code != int32(tc.code) || status.Reason != tc.reason || !strings.Contains(status.Message, tc.says) {
			t.Errorf("port-forward to %s%s: %d %s %q, want %d %s saying %q", tc.pod, tc.query, code, status.Reason, status.Message, tc.code, tc.reason, tc.says)
		}
	}
}

func TestPortForwardNeedsAnUpgradeAndAKubeletThatAnswers(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	ctx := context.Background()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}
	if _, err := s.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A kubelet address where nothing listens: port 1 of loopback.
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = 1
	if _, err := s.Client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := s.Client.CoreV1().Pods("default")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "app", Image: "ownkube/echo"}}}}
	pod, err := pods.Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status.Phase = corev1.PodRunning
	if _, err := pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if code, status := portForward(t, s, "p", "", false); code != http.StatusBadRequest || !strings.Contains(status.Message, "Upgrade request required") {
		t.Errorf("port-forward without an upgrade: %d %q, want 400 Upgrade request required", code, status.Message)
	}
	if code, status := portForward(t, s, "p", "", true); code != http.StatusServiceUnavailable || !strings.Contains(status.Message, "the kubelet of pod default/p does not answer") {
		t.Errorf("port-forward to a silent kubelet: %d %q, want 503 naming the pod", code, status.Message)
	}
}

func TestDiscoveryListsPodsPortForwardAsAConnectSubresource(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	list, err := s.Client.Discovery().ServerResourcesForGroupVersion("v1")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list.APIResources {
		if r.Name == "pods/portforward" {
			if r.Kind != "PodPortForwardOptions" || !slices.Equal(r.Verbs, []string{"create", "get"}) || !r.Namespaced {
				t.Fatalf("pods/portforward is %+v, want namespaced kind PodPortForwardOptions with verbs create, get", r)
			}
			return
		}
	}
	t.Fatal("discovery of v1 lists no pods/portforward")
}
