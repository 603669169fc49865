package controllers_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
	"github.com/ownkube/ownkube/components/controllers"
	"github.com/ownkube/ownkube/components/controllers/endpoints/core"
	"github.com/ownkube/ownkube/components/controllers/endpoints/endpointstate"
	"github.com/ownkube/ownkube/components/kit/exercise"
)

// A Service whose endpoints core is a stub (one that panics, as a stub of
// a helper does) gets a Warning Event NotImplemented from each of the
// Endpoints and EndpointSlice controllers, and the controller-manager
// keeps running.
func TestAStubEndpointsCoreIsReportedOnTheService(t *testing.T) {
	was := core.Endpoints
	core.Endpoints = func(*corev1.Service, []*corev1.Pod, bool) ([]endpointstate.Endpoint, error) {
		panic(exercise.NotImplemented(7, "endpoints.TargetPort"))
	}
	t.Cleanup(func() { core.Endpoints = was })
	s := apiservertest.Start(t, apiservertest.Options{})
	c := s.Client
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	m, err := controllers.New(controllers.Config{Client: c, Dynamic: dynamic.NewForConfigOrDie(s.Config), Controllers: []string{"endpoints", "endpointslice"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: corev1.ServiceSpec{
		Selector: map[string]string{"app": "web"},
		Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}}}}
	if _, err := c.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const want = "not implemented: stage 7 endpoints.TargetPort"
	sources := map[string]bool{}
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		list, err := c.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range list.Items {
			if e.InvolvedObject.Name == "web" && e.Type == corev1.EventTypeWarning && e.Reason == exercise.Reason && e.Message == want {
				sources[e.Source.Component] = true
			}
		}
		return len(sources) == 2, nil
	})
	if err != nil {
		t.Fatalf("want a Warning event NotImplemented %q on service web from both controllers, got from %v: %v", want, sources, err)
	}
}
