//go:build !solutions && !mutants

package kubelet_test

import (
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/kubelet"
)

// Linked with the untouched exercises, Plan is a stub: a push must answer
// with its "not implemented" at once, as a 501 Status, not wait it out.
func TestAPushToAStubAnswersNotImplemented(t *testing.T) {
	base, _ := startPushNode(t)
	var st metav1.Status
	code := call(t, "PUT", base+"/pods/default/web?timeout=20s", echoPod, &st)
	if code != http.StatusNotImplemented || !strings.Contains(st.Message, "not implemented: stage 1 kubelet.Plan") {
		t.Fatalf("PUT against a stub: %d %q, want 501 naming stage 1 kubelet.Plan", code, st.Message)
	}
	var pod corev1.Pod
	call(t, "GET", base+"/pods/default/web", "", &pod)
	var found bool
	for _, c := range pod.Status.Conditions {
		found = found || (c.Type == kubelet.ConditionNotImplemented && c.Status == corev1.ConditionTrue && strings.Contains(c.Message, "kubelet.Plan"))
	}
	if !found {
		t.Fatalf("the pod's conditions %+v lack %s naming kubelet.Plan", pod.Status.Conditions, kubelet.ConditionNotImplemented)
	}
}
