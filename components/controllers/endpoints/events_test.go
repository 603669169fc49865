//go:build solutions

package endpoints

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"

	"github.com/ownkube/ownkube/components/controllers/controller"
)

func webService() *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, ClusterIP: "10.96.0.10",
			Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}}}}
}

func readyPod() *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "ns", UID: "uid-web-1", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "echo"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0.5", PodIPs: []corev1.PodIP{{IP: "10.0.0.5"}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}}
}

// newEventsController builds the controller on a fake clientset holding
// objs whose verb on endpoints fails with fail (none if nil), records its
// Events in a FakeRecorder and syncs its informers.
func newEventsController(t *testing.T, verb string, fail error, objs ...runtime.Object) (*Controller, *record.FakeRecorder) {
	t.Helper()
	client := fake.NewClientset(objs...)
	if fail != nil {
		client.PrependReactor(verb, "endpoints", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, fail })
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	cc := &controller.Context{Client: client, Informers: factory, Events: record.NewBroadcaster(), Log: slog.Default(),
		Options: controller.Options{}.WithDefaults()}
	c, err := New(cc)
	if err != nil {
		t.Fatal(err)
	}
	rec := record.NewFakeRecorder(10)
	c.(*Controller).recorder = rec
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	return c.(*Controller), rec
}

func events(rec *record.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func TestAFailedCreateIsAWarningEventAsKubes(t *testing.T) {
	c, rec := newEventsController(t, "create", errors.New("etcd is down"), webService(), readyPod())
	if err := c.sync(context.Background(), "ns/web"); err == nil {
		t.Fatal("sync succeeded; want the create's error, to retry")
	}
	want := "Warning FailedToCreateEndpoint Failed to create endpoint for service ns/web: etcd is down"
	if got := events(rec); len(got) != 1 || got[0] != want {
		t.Errorf("events = %q, want [%q]", got, want)
	}
}

func TestAFailedUpdateIsAWarningEventAsKubes(t *testing.T) {
	stale := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"}}
	conflict := apierrors.NewConflict(corev1.Resource("endpoints"), "web", errors.New("the object has been modified"))
	c, rec := newEventsController(t, "update", conflict, webService(), readyPod(), stale)
	if err := c.sync(context.Background(), "ns/web"); err == nil {
		t.Fatal("sync succeeded; want the update's error, to retry")
	}
	got := events(rec)
	if len(got) != 1 || !strings.HasPrefix(got[0], "Warning FailedToUpdateEndpoint Failed to update endpoint ns/web: ") ||
		!strings.Contains(got[0], "the object has been modified") {
		t.Errorf("events = %q, want one Warning FailedToUpdateEndpoint naming ns/web and the conflict", got)
	}
}

func TestASuccessfulSyncRecordsNoEvent(t *testing.T) {
	c, rec := newEventsController(t, "", nil, webService(), readyPod())
	if err := c.sync(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	if got := events(rec); len(got) != 0 {
		t.Errorf("events = %q, want none: kube records none on success", got)
	}
}

func TestACreateInATerminatingNamespaceIsDroppedQuietly(t *testing.T) {
	terminating := &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: 403,
		Reason: metav1.StatusReasonForbidden, Message: "namespace ns is being terminated",
		Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: corev1.NamespaceTerminatingCause}}}}}
	c, rec := newEventsController(t, "create", terminating, webService(), readyPod())
	if err := c.sync(context.Background(), "ns/web"); err != nil {
		t.Errorf("sync = %v, want nil: nothing to retry in a namespace going away", err)
	}
	if got := events(rec); len(got) != 0 {
		t.Errorf("events = %q, want none", got)
	}
}
