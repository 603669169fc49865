package openapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/api"
)

// TestStockKubectlExplainsPods runs the kubectl on PATH against the
// documents, behind just enough legacy discovery (/api, /apis, /api/v1)
// for kubectl to map "pods" to a kind.
func TestStockKubectlExplainsPods(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not on PATH")
	}
	h, err := NewHandler(api.Resources())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/openapi/", h)
	mux.HandleFunc("/api", serveJSON(&metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"}}))
	mux.HandleFunc("/apis", serveJSON(&metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"}}))
	mux.HandleFunc("/api/v1", serveJSON(&metav1.APIResourceList{
		TypeMeta:     metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: "v1",
		APIResources: []metav1.APIResource{{Name: "pods", SingularName: "pod", Namespaced: true, Kind: "Pod",
			Verbs: []string{"create", "delete", "get", "list", "patch", "update", "watch"}}},
	}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	home := t.TempDir()
	cmd := exec.Command(kubectl, "explain", "pods.spec.containers", "--server="+srv.URL, "--cache-dir="+filepath.Join(home, "cache"))
	// Keep kubectl away from any real kubeconfig and its credentials.
	cmd.Env = append(os.Environ(), "HOME="+home, "KUBECONFIG="+filepath.Join(home, "config"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl explain: %v\n%s", err, out)
	}
	for _, want := range []string{"FIELD: containers <[]Container>", "List of containers belonging to the pod", "image\t<string>"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("kubectl explain output lacks %q:\n%s", want, out)
		}
	}
}

func serveJSON(v any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
}
