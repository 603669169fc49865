package kubelet_test

import (
	"encoding/json"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/ownkube/ownkube/components/kubelet"
)

// FuzzDecodePod feeds arbitrary bodies and names to the decoder of the
// node's push endpoint (stage 1's whole API: PUT /pods/{namespace}/{name}):
// it must never panic; it answers either a v1 Pod of exactly the pushed
// name, or a 400 or 422 Status; and a pod it accepts, sent again as it
// came back, is accepted as the same pod.
func FuzzDecodePod(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: app, image: ownkube/echo}]\n",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default"},"spec":{"containers":[{"name":"app","image":"i","ports":[{"containerPort":8080}]}]}}`,
		`{"kind":"Service"}`,
		`{"metadata":{"name":"other"}}`,
		"spec:\n  containers: []\n",
		"[1, 2",
	} {
		f.Add([]byte(seed), "default", "web")
	}
	f.Fuzz(func(t *testing.T, body []byte, namespace, name string) {
		pod, err := kubelet.DecodePod(body, namespace, name)
		if err != nil {
			if pod != nil {
				t.Fatalf("both a pod and an error: %v", err)
			}
			status, ok := err.(apierrors.APIStatus)
			if !ok || (status.Status().Code != 400 && status.Status().Code != 422) {
				t.Fatalf("error %v (%T) is no 400 or 422 Status", err, err)
			}
			return
		}
		if pod.Namespace != namespace || pod.Name != name || pod.Kind != "Pod" || pod.APIVersion != "v1" {
			t.Fatalf("pushed to %s/%s, decoded %s %s %s/%s", namespace, name, pod.APIVersion, pod.Kind, pod.Namespace, pod.Name)
		}
		again, err := json.Marshal(pod)
		if err != nil {
			t.Fatal(err)
		}
		pod2, err := kubelet.DecodePod(again, namespace, name)
		if err != nil {
			t.Fatalf("the pod it accepted, sent again, is refused: %v\n%s", err, again)
		}
		if back, _ := json.Marshal(pod2); string(back) != string(again) {
			t.Fatalf("decoding is not stable:\n%s\n%s", again, back)
		}
	})
}
