package apiserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

var (
	fuzzPaths = []string{
		"/api/v1/namespaces/default/pods", "/api/v1/namespaces/default/pods/fuzz",
		"/api/v1/namespaces/default/pods/fuzz/status", "/api/v1/namespaces/default/pods/fuzz/binding",
		"/api/v1/namespaces/default/services", "/api/v1/namespaces/default/configmaps/fuzz",
		"/apis/apps/v1/namespaces/default/deployments", "/apis/apps/v1/namespaces/default/deployments/fuzz",
		"/api/v1/namespaces", "/api/v1/namespaces/fuzz", "/api/v1/nodes/fuzz",
		"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
	}
	fuzzMethods      = []string{"POST", "PUT", "PATCH", "DELETE", "GET"}
	fuzzContentTypes = []string{"application/json", "application/yaml", "application/merge-patch+json",
		"application/strategic-merge-patch+json", "application/json-patch+json", "application/vnd.kubernetes.protobuf", "text/plain"}
)

// FuzzRequests sends arbitrary bodies, with every method, path and content
// type the server reads, and requires that the server never answers 5xx (a
// crash or an unexpected error), always answers in JSON, and that a refused
// request leaves etcd's revision where it was: nothing half-written.
func FuzzRequests(f *testing.F) {
	for _, seed := range []string{
		fmt.Sprintf(podJSON, "fuzz"),
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"fuzz"},"spec":{"ports":[{"port":80}]}}`,
		`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"fuzz"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`,
		`[{"op":"replace","path":"/spec/containers/0/image","value":"x"}]`,
		`{"metadata":{"labels":{"a":null}},"spec":{"containers":[{"name":"c","$patch":"delete"}]}}`,
		`{"target":{"kind":"Node","name":"n1"}}`,
		`{"propagationPolicy":"Foreground","preconditions":{"uid":"x"}}`,
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fuzz}\ndata: {a: b}\n",
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"fuzz","finalizers":["x/y"]}}`,
	} {
		for m := range fuzzMethods {
			f.Add(uint8(m), uint8(0), uint8(0), []byte(seed))
		}
	}
	s := apiservertest.Start(f, apiservertest.Options{WithoutLoops: true})
	f.Fuzz(func(t *testing.T, method, path, contentType uint8, body []byte) {
		c := call{
			method:      fuzzMethods[int(method)%len(fuzzMethods)],
			path:        fuzzPaths[int(path)%len(fuzzPaths)],
			contentType: fuzzContentTypes[int(contentType)%len(fuzzContentTypes)],
			body:        string(body),
		}
		before := fuzzRevision(t, s)
		resp, data := c.do(t, s.URL)
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s (%s) %q: %d %s", c.method, c.path, c.contentType, body, resp.StatusCode, truncate(data))
		}
		if !json.Valid(data) {
			t.Fatalf("%s %s: the answer is not JSON: %s", c.method, c.path, truncate(data))
		}
		if resp.StatusCode >= 400 {
			var status metav1.Status
			if err := json.Unmarshal(data, &status); err != nil || status.Kind != "Status" || status.Message == "" {
				t.Fatalf("%s %s: refused without a Status message: %s", c.method, c.path, truncate(data))
			}
			if after := fuzzRevision(t, s); after != before {
				t.Fatalf("%s %s (%s) %q: refused with %d but etcd's revision moved from %d to %d",
					c.method, c.path, c.contentType, body, resp.StatusCode, before, after)
			}
		}
	})
}

func fuzzRevision(t *testing.T, s *apiservertest.Server) int64 {
	resp, err := s.Etcd.Client.Get(context.Background(), "/registry/", clientv3CountOnly()...)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Revision
}
