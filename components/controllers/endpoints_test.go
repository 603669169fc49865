package controllers_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
	"github.com/ownkube/ownkube/components/controllers"
)

// TestEndpointsFollowPods runs the Endpoints and EndpointSlice controllers
// against a real API server: a Service's Endpoints and slices list its ready
// pods, move a pod that turns not ready, and leave a selectorless Service's
// hand-made slice alone.
func TestEndpointsFollowPods(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{})
	c := s.Client
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	m, err := controllers.New(controllers.Config{Client: c, Dynamic: dynamic.NewForConfigOrDie(s.Config), Controllers: []string{"endpoints", "endpointslice"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = m.Run(ctx) }()

	ns := "default"
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns}, Spec: corev1.ServiceSpec{
		Selector: map[string]string{"app": "web"},
		Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}}}}
	if _, err := c.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	manual := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "manual", Namespace: ns}, Spec: corev1.ServiceSpec{
		Ports: []corev1.ServicePort{{Port: 80}}}}
	if _, err := c.CoreV1().Services(ns).Create(ctx, manual, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	handMade := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: "manual-1", Namespace: ns,
		Labels: map[string]string{discoveryv1.LabelServiceName: "manual"}}, AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"192.0.2.1"}}}}
	if _, err := c.DiscoveryV1().EndpointSlices(ns).Create(ctx, handMade, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i, ip := range []string{"10.0.0.1", "10.0.0.2"} {
		runPod(ctx, t, c, ns, []string{"a", "b"}[i], ip, true)
	}
	awaitEndpoints(ctx, t, c, ns, "web", []string{"10.0.0.1", "10.0.0.2"}, nil)
	runPod(ctx, t, c, ns, "b", "10.0.0.2", false)
	awaitEndpoints(ctx, t, c, ns, "web", []string{"10.0.0.1"}, []string{"10.0.0.2"})

	got, err := c.DiscoveryV1().EndpointSlices(ns).Get(ctx, "manual-1", metav1.GetOptions{})
	if err != nil || got.Generation != 1 || len(got.Endpoints) != 1 || got.Labels[discoveryv1.LabelManagedBy] != "" {
		t.Errorf("hand-made slice touched: %+v, %v", got, err)
	}
	if _, err := c.CoreV1().Endpoints(ns).Get(ctx, "manual", metav1.GetOptions{}); err == nil {
		t.Errorf("Endpoints written for a Service without a selector")
	}
}

func runPod(ctx context.Context, t *testing.T, c kubernetes.Interface, ns, name, ip string, ready bool) {
	t.Helper()
	pod, err := c.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		pod = &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "app", Image: "ownkube/echo",
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}}}
		if pod, err = c.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip,
		Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}}
	if _, err := c.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// awaitEndpoints waits until the Endpoints and the managed slices of svc list
// exactly ready and notReady.
func awaitEndpoints(ctx context.Context, t *testing.T, c kubernetes.Interface, ns, svc string, ready, notReady []string) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		ep, err := c.CoreV1().Endpoints(ns).Get(ctx, svc, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		var epReady, epNot []string
		for _, s := range ep.Subsets {
			for _, a := range s.Addresses {
				epReady = append(epReady, a.IP)
			}
			for _, a := range s.NotReadyAddresses {
				epNot = append(epNot, a.IP)
			}
			if len(s.Ports) != 1 || s.Ports[0].Port != 8080 {
				last = "endpoints ports " + ep.String()
				return false, nil
			}
		}
		list, err := c.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{
			LabelSelector: discoveryv1.LabelServiceName + "=" + svc + "," + discoveryv1.LabelManagedBy + "=endpointslice-controller.k8s.io"})
		if err != nil {
			return false, err
		}
		var slReady, slNot []string
		for _, s := range list.Items {
			if len(s.OwnerReferences) != 1 || s.OwnerReferences[0].Kind != "Service" {
				last = "slice not owned by the service"
				return false, nil
			}
			for _, e := range s.Endpoints {
				if *e.Conditions.Ready {
					slReady = append(slReady, e.Addresses...)
				} else {
					slNot = append(slNot, e.Addresses...)
				}
			}
		}
		slices.Sort(epReady)
		slices.Sort(slReady)
		last = "endpoints " + ep.String()
		return slices.Equal(epReady, ready) && slices.Equal(epNot, notReady) &&
			slices.Equal(slReady, ready) && slices.Equal(slNot, notReady), nil
	})
	if err != nil {
		t.Fatalf("endpoints of %s: want ready %v, not ready %v: %v (last: %s)", svc, ready, notReady, err, last)
	}
}

// TestEndpointsOfNoServiceAreLeftAlone: an Endpoints object no Service
// names, created and updated by hand, stays.
func TestEndpointsOfNoServiceAreLeftAlone(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{})
	c := s.Client
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := controllers.New(controllers.Config{Client: c, Dynamic: dynamic.NewForConfigOrDie(s.Config),
		Controllers: []string{"endpoints", "endpointslice"}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = m.Run(ctx) }()
	eps := c.CoreV1().Endpoints("default")
	ep, err := eps.Create(ctx, &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "lonely"},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.1"}}, Ports: []corev1.EndpointPort{{Port: 80}}}}},
		metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ep.Labels = map[string]string{"edited": "by-hand"}
	if _, err = eps.Update(ctx, ep, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update a hand-made Endpoints: %v", err)
	}
	// For a second, it must stay: nothing of a Service may delete it.
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := eps.Get(ctx, "lonely", metav1.GetOptions{})
		return false, err
	})
	if !wait.Interrupted(err) {
		t.Fatalf("the hand-made Endpoints did not stay: %v", err)
	}
}
