package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/kit/exercise"
	"github.com/ownkube/ownkube/components/storage"
)

// What a client sees when a request reaches a stub of the learner's store
// core: a 501 Status NotImplemented naming the stage and the function,
// not a 500 and not a dropped connection.
func TestAStubOfTheStoreIsAnswered501NotImplemented(t *testing.T) {
	stub := fmt.Errorf("create configmaps default/x: %w", exercise.NotImplemented(2, "etcdstore.Create"))
	rec := httptest.NewRecorder()
	writeError(rec, storage.NotImplemented(stub))
	if rec.Code != http.StatusNotImplemented {
		t.Fatalf("code %d, want 501", rec.Code)
	}
	var status metav1.Status
	if err := json.Unmarshal(rec.Body.Bytes(), &status); err != nil {
		t.Fatalf("body %q is not a Status: %v", rec.Body, err)
	}
	const want = "create configmaps default/x: not implemented: stage 2 etcdstore.Create: write it in exercises/ to pass this stage"
	if status.Kind != "Status" || status.Code != 501 || status.Reason != storage.ReasonNotImplemented || status.Message != want {
		t.Errorf("status %+v, want 501 NotImplemented with message %q", status, want)
	}
}
