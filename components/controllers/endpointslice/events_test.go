//go:build solutions

package endpointslice

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	corev1 "k8s.io/api/core/v1"
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
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "uid-web"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, ClusterIP: "10.96.0.10",
			Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}}}}
}

// newEventsController builds the controller on a fake clientset holding
// objs whose creates of endpointslices fail with fail (none if nil),
// records its Events in a FakeRecorder and syncs its informers.
func newEventsController(t *testing.T, fail error, objs ...runtime.Object) (*Controller, *record.FakeRecorder) {
	t.Helper()
	client := fake.NewClientset(objs...)
	if fail != nil {
		client.PrependReactor("create", "endpointslices", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, fail })
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

func TestAFailedWriteIsAWarningEventOnTheServiceAsKubes(t *testing.T) {
	c, rec := newEventsController(t, errors.New("etcd is down"), webService())
	if err := c.sync(context.Background(), "ns/web"); err == nil {
		t.Fatal("sync succeeded; want the create's error, to retry")
	}
	want := "Warning FailedToUpdateEndpointSlices Error updating Endpoint Slices for Service ns/web: " +
		"create endpointslice for service ns/web: etcd is down"
	if got := events(rec); len(got) != 1 || got[0] != want {
		t.Errorf("events = %q, want [%q]", got, want)
	}
}

func TestASuccessfulSyncRecordsNoEvent(t *testing.T) {
	c, rec := newEventsController(t, nil, webService())
	if err := c.sync(context.Background(), "ns/web"); err != nil {
		t.Fatal(err)
	}
	if got := events(rec); len(got) != 0 {
		t.Errorf("events = %q, want none: kube records none on success", got)
	}
}
