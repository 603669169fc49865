package apiserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

// call is one raw HTTP request to the server.
type call struct {
	method, path, contentType, accept, body string
}

func (c call) do(t *testing.T, base string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

const podJSON = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q},"spec":{"containers":[{"name":"c","image":"ownkube/echo"}]}}`

// TestBadInputIsRefusedWithAStatusAndChangesNothing sends one request of
// each class of bad input and checks the answer is a metav1.Status with the
// right code and reason, and that etcd's revision did not move: nothing
// was written, not even in part.
func TestBadInputIsRefusedWithAStatusAndChangesNothing(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	setup := []call{
		{method: "POST", path: "/api/v1/namespaces/default/pods", contentType: "application/json", body: fmt.Sprintf(podJSON, "existing")},
	}
	for _, c := range setup {
		if resp, body := c.do(t, s.URL); resp.StatusCode != http.StatusCreated {
			t.Fatalf("setup %s %s: %d %s", c.method, c.path, resp.StatusCode, body)
		}
	}
	pods := "/api/v1/namespaces/default/pods"
	big := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"a":%q}}`, strings.Repeat("x", 4<<20))
	cases := []struct {
		name   string
		call   call
		code   int
		reason metav1.StatusReason
	}{
		{"malformed JSON", call{"POST", pods, "application/json", "", `{"kind":"Pod",`}, 400, metav1.StatusReasonBadRequest},
		{"a body of another kind", call{"POST", pods, "application/json", "", `{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"}}`}, 400, metav1.StatusReasonBadRequest},
		{"a namespace other than the path's", call{"POST", pods, "application/json", "", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","namespace":"kube-system"},"spec":{"containers":[{"name":"c","image":"i"}]}}`}, 400, metav1.StatusReasonBadRequest},
		{"an unknown field under Strict", call{"POST", pods + "?fieldValidation=Strict", "application/json", "", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"bogus":1,"containers":[{"name":"c","image":"i"}]}}`}, 400, metav1.StatusReasonBadRequest},
		{"an unknown fieldValidation", call{"POST", pods + "?fieldValidation=Loose", "application/json", "", fmt.Sprintf(podJSON, "x")}, 400, metav1.StatusReasonBadRequest},
		{"a resourceVersion on create", call{"POST", pods, "application/json", "", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","resourceVersion":"5"},"spec":{"containers":[{"name":"c","image":"i"}]}}`}, 400, metav1.StatusReasonBadRequest},
		{"an unsupported dryRun", call{"POST", pods + "?dryRun=Some", "application/json", "", fmt.Sprintf(podJSON, "x")}, 400, metav1.StatusReasonBadRequest},
		{"an unparsable labelSelector", call{"GET", pods + "?labelSelector=a%20in%20(", "", "", ""}, 400, metav1.StatusReasonBadRequest},
		{"an unsupported field selector", call{"GET", pods + "?fieldSelector=spec.image%3Dx", "", "", ""}, 400, metav1.StatusReasonBadRequest},
		{"a bad gracePeriodSeconds", call{"DELETE", pods + "/existing?gracePeriodSeconds=-3", "", "", ""}, 400, metav1.StatusReasonBadRequest},
		{"an unknown propagationPolicy", call{"DELETE", pods + "/existing", "application/json", "", `{"propagationPolicy":"Sideways"}`}, 400, metav1.StatusReasonBadRequest},
		{"a malformed JSON patch", call{"PATCH", pods + "/existing", "application/json-patch+json", "", `{"op":"add"}`}, 400, metav1.StatusReasonBadRequest},
		{"an update naming another object", call{"PUT", pods + "/existing", "application/json", "", fmt.Sprintf(podJSON, "other")}, 400, metav1.StatusReasonBadRequest},
		{"an unknown resource", call{"GET", "/api/v1/namespaces/default/gizmos", "", "", ""}, 404, metav1.StatusReasonNotFound},
		{"a missing object", call{"GET", pods + "/none", "", "", ""}, 404, metav1.StatusReasonNotFound},
		{"a missing namespace", call{"POST", "/api/v1/namespaces/nowhere/pods", "application/json", "", fmt.Sprintf(podJSON, "x")}, 404, metav1.StatusReasonNotFound},
		{"a create across all namespaces", call{"POST", "/api/v1/pods", "application/json", "", fmt.Sprintf(podJSON, "x")}, 405, metav1.StatusReasonMethodNotAllowed},
		{"an Accept of nothing the server writes", call{"GET", pods, "", "application/cbor", ""}, 406, metav1.StatusReasonNotAcceptable},
		{"a name that is taken", call{"POST", pods, "application/json", "", fmt.Sprintf(podJSON, "existing")}, 409, metav1.StatusReasonAlreadyExists},
		{"a stale resourceVersion", call{"PUT", pods + "/existing", "application/json", "", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"existing","resourceVersion":"1"},"spec":{"containers":[{"name":"c","image":"i"}]}}`}, 409, metav1.StatusReasonConflict},
		{"a uid precondition that fails", call{"DELETE", pods + "/existing", "application/json", "", `{"preconditions":{"uid":"not-the-uid"}}`}, 409, metav1.StatusReasonConflict},
		{"a body over the size limit", call{"POST", "/api/v1/namespaces/default/configmaps", "application/json", "", big}, 413, metav1.StatusReasonRequestEntityTooLarge},
		{"a body of plain text", call{"POST", pods, "text/plain", "", "hello"}, 415, metav1.StatusReasonUnsupportedMediaType},
		{"a patch sent as JSON", call{"PATCH", pods + "/existing", "application/json", "", `{}`}, 415, metav1.StatusReasonUnsupportedMediaType},
		{"a server-side apply", call{"PATCH", pods + "/existing", "application/apply-patch+yaml", "", `{}`}, 415, metav1.StatusReasonUnsupportedMediaType},
		{"a name that is no DNS subdomain", call{"POST", pods, "application/json", "", fmt.Sprintf(podJSON, "Not_A_Name")}, 422, metav1.StatusReasonInvalid},
		{"a namespace name that is no DNS label", call{"POST", "/api/v1/namespaces", "application/json", "", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a.b"}}`}, 422, metav1.StatusReasonInvalid},
		{"a pod without containers", call{"POST", pods, "application/json", "", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[]}}`}, 422, metav1.StatusReasonInvalid},
		{"a container without an image", call{"POST", pods, "application/json", "", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"c"}]}}`}, 422, metav1.StatusReasonInvalid},
		{"neither name nor generateName", call{"POST", pods, "application/json", "", `{"apiVersion":"v1","kind":"Pod","metadata":{},"spec":{"containers":[{"name":"c","image":"i"}]}}`}, 422, metav1.StatusReasonInvalid},
		{"a change of an immutable field", call{"PATCH", pods + "/existing", "application/merge-patch+json", "", `{"spec":{"restartPolicy":"Never"}}`}, 422, metav1.StatusReasonInvalid},
		{"a deployment whose selector misses its template", call{"POST", "/apis/apps/v1/namespaces/default/deployments", "application/json", "",
			`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"a"}},"template":{"metadata":{"labels":{"app":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`}, 422, metav1.StatusReasonInvalid},
		{"a JSON patch that does not apply", call{"PATCH", pods + "/existing", "application/json-patch+json", "", `[{"op":"test","path":"/metadata/name","value":"other"}]`}, 422, metav1.StatusReasonInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := revision(t, s)
			resp, body := c.call.do(t, s.URL)
			var status metav1.Status
			if err := json.Unmarshal(body, &status); err != nil || status.Kind != "Status" {
				t.Fatalf("answer is no Status (%d): %s", resp.StatusCode, truncate(body))
			}
			if resp.StatusCode != c.code || int(status.Code) != c.code || status.Reason != c.reason {
				t.Fatalf("got %d %s %q, want %d %s", resp.StatusCode, status.Reason, status.Message, c.code, c.reason)
			}
			if status.Message == "" {
				t.Fatal("the Status has no message for the user")
			}
			if after := revision(t, s); after != before {
				t.Fatalf("etcd's revision moved from %d to %d: a refused request wrote something", before, after)
			}
		})
	}
}

func TestUnknownFieldsAreWarnedAboutByDefault(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{})
	resp, body := call{"POST", "/api/v1/namespaces/default/pods", "application/json", "",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"w"},"spec":{"bogus":1,"containers":[{"name":"c","image":"i"}]}}`}.do(t, s.URL)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("got %d: %s", resp.StatusCode, body)
	}
	if w := resp.Header.Get("Warning"); !strings.Contains(w, `unknown field \"spec.bogus\"`) {
		t.Fatalf("Warning header %q does not name the unknown field", w)
	}
}

func revision(t *testing.T, s *apiservertest.Server) int64 {
	t.Helper()
	resp, err := s.Etcd.Client.Get(context.Background(), "/registry/", clientv3CountOnly()...)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Revision
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(bytes.TrimSpace(b))
}

// TestAnyBodyUnderTheLimitCanBeStored guards the gap between the API
// server's body limit and etcd's own request limit: a body the server
// accepts must not fail in etcd with a 500.
func TestAnyBodyUnderTheLimitCanBeStored(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	// A pod template, not a ConfigMap: ConfigMaps and Secrets hold at most
	// 1 MiB of data, and a container's arguments have no limit of their own.
	body := fmt.Sprintf(`{"apiVersion":"v1","kind":"PodTemplate","metadata":{"name":"big"},"template":{"spec":{"containers":[{"name":"c","image":"i","args":[%q]}]}}}`, strings.Repeat("x", 2900<<10))
	resp, data := call{"POST", "/api/v1/namespaces/default/podtemplates", "application/json", "", body}.do(t, s.URL)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("a 2.9 MiB PodTemplate: %d %s", resp.StatusCode, truncate(data))
	}
}
