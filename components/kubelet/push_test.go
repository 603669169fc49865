package kubelet_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/kubelet"
	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// startPushNode runs a kubelet with a push source and no API server over a
// fake runtime, and returns the base URL of its pod API.
func startPushNode(t *testing.T) (string, *fakeRuntime) {
	t.Helper()
	rt := newFakeRuntime()
	addr := freeAddress(t)
	k, err := kubelet.New(kubelet.Config{NodeName: "n1", Runtime: rt, NodeIP: "127.0.0.1", Source: kubelet.NewPushSource("n1"),
		Policy: podstate.Policy{BackoffBase: 100 * time.Millisecond, BackoffCap: 400 * time.Millisecond}, LogAddress: addr,
		ResyncInterval: time.Minute, RelistInterval: 100 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	t.Cleanup(sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("kubelet: %v", err)
		}
	}))
	base := "http://" + addr
	waitFor(t, "the node's pod API", func() bool {
		resp, err := http.Get(base + "/pods")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})
	return base, rt
}

const echoPod = `
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: app
    image: ownkube/echo
`

// call sends one request and decodes the answer into out (a Pod, a
// PodList or a Status), returning the HTTP code.
func call(t *testing.T, method, url, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: answer %q: %v", method, url, data, err)
		}
	}
	return resp.StatusCode
}

func TestAPushedPodRunsAndIsAnsweredWithItsStatus(t *testing.T) {
	base, rt := startPushNode(t)
	var pod corev1.Pod
	if code := call(t, "PUT", base+"/pods/default/web", echoPod, &pod); code != http.StatusCreated {
		t.Fatalf("PUT: %d %+v, want 201", code, pod.Status)
	}
	if pod.Status.Phase != corev1.PodRunning || pod.Status.PodIP == "" || pod.UID == "" || pod.Spec.NodeName != "n1" {
		t.Fatalf("answered phase %q, IP %q, UID %q, node %q: want Running with an IP and a UID on n1",
			pod.Status.Phase, pod.Status.PodIP, pod.UID, pod.Spec.NodeName)
	}
	if n := len(rt.running("web", "app")); n != 1 {
		t.Fatalf("%d app containers run, want 1", n)
	}
	var list corev1.PodList
	if code := call(t, "GET", base+"/pods", "", &list); code != http.StatusOK || list.Kind != "PodList" || len(list.Items) != 1 {
		t.Fatalf("GET /pods: %d, kind %q, %d items; want 200, a PodList of 1", code, list.Kind, len(list.Items))
	}
	var again corev1.Pod
	if code := call(t, "PUT", base+"/pods/default/web", echoPod, &again); code != http.StatusOK || again.UID != pod.UID {
		t.Fatalf("the same pod pushed again: %d, UID %q; want 200 and the pod that runs (%q)", code, again.UID, pod.UID)
	}
	resp, err := http.Get(base + "/pods/default/web/log")
	if err != nil {
		t.Fatal(err)
	}
	logs, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := "log of " + rt.running("web", "app")[0] + "\n"; string(logs) != want {
		t.Fatalf("log %q, want %q", logs, want)
	}
}

func TestADeletedPushedPodIsGoneWhenTheDeleteAnswers(t *testing.T) {
	base, rt := startPushNode(t)
	if code := call(t, "PUT", base+"/pods/default/web", echoPod, nil); code != http.StatusCreated {
		t.Fatalf("PUT: %d, want 201", code)
	}
	rt.mu.Lock()
	rt.stopDelay = 200 * time.Millisecond // so an answer that does not wait for the teardown is seen early
	rt.mu.Unlock()
	if code := call(t, "DELETE", base+"/pods/default/web?gracePeriodSeconds=0", "", nil); code != http.StatusOK {
		t.Fatalf("DELETE: %d, want 200", code)
	}
	if n := rt.count(); n != 0 {
		t.Fatalf("%d containers left once the delete answered, want none: %s", n, rt.ids())
	}
	var st metav1.Status
	if code := call(t, "GET", base+"/pods/default/web", "", &st); code != http.StatusNotFound || st.Reason != metav1.StatusReasonNotFound {
		t.Fatalf("GET after delete: %d %q, want 404 NotFound", code, st.Reason)
	}
}

func TestBadPushesAreRefusedWithAStatus(t *testing.T) {
	base, rt := startPushNode(t)
	if code := call(t, "PUT", base+"/pods/default/web", echoPod, nil); code != http.StatusCreated {
		t.Fatalf("PUT: %d, want 201", code)
	}
	other := strings.Replace(echoPod, "ownkube/echo", "ownkube/crasher", 1)
	for _, tc := range []struct {
		name, path, body string
		code             int
		reason           metav1.StatusReason
	}{
		{"a body that is no pod", "/pods/default/x", "{not yaml: [", 400, metav1.StatusReasonBadRequest},
		{"another kind", "/pods/default/x", "kind: Service\napiVersion: v1\n", 400, metav1.StatusReasonBadRequest},
		{"a name other than the path's", "/pods/default/x", echoPod, 400, metav1.StatusReasonBadRequest},
		{"a pod with no containers", "/pods/default/empty", "metadata: {name: empty}\n", 422, metav1.StatusReasonInvalid},
		{"an invalid name", "/pods/default/Web_1", "spec: {containers: [{name: app, image: x}]}\n", 422, metav1.StatusReasonInvalid},
		{"a different pod of a name that runs", "/pods/default/web", other, 409, metav1.StatusReasonConflict},
	} {
		var st metav1.Status
		if code := call(t, "PUT", base+tc.path, tc.body, &st); code != tc.code || st.Reason != tc.reason || st.Kind != "Status" {
			t.Errorf("%s: %d %s %q (%s), want %d %s", tc.name, code, st.Kind, st.Reason, st.Message, tc.code, tc.reason)
		}
	}
	if n := len(rt.running("web", "app")); n != 1 {
		t.Fatalf("%d app containers of web run after the refused pushes, want still 1", n)
	}
}
