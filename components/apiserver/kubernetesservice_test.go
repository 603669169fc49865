package apiserver_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ownkube/ownkube/components/apiserver"
	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
	"github.com/ownkube/ownkube/components/storage"
)

func TestTheKubernetesServiceHoldsTheFirstAddressAndPointsAtTheAPIServer(t *testing.T) {
	ctx := context.Background()
	srv := apiservertest.Start(t, apiservertest.Options{})
	svc, err := srv.Client.CoreV1().Services(metav1.NamespaceDefault).Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get the kubernetes Service: %v", err)
	}
	if svc.Spec.ClusterIP != "10.96.0.1" || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 443 ||
		svc.Spec.Ports[0].TargetPort.IntValue() != 6443 || svc.Spec.Ports[0].Name != "https" || svc.Spec.Selector != nil {
		t.Fatalf("kubernetes Service: clusterIP %s, ports %+v, selector %v; want 10.96.0.1, https 443→6443, no selector",
			svc.Spec.ClusterIP, svc.Spec.Ports, svc.Spec.Selector)
	}
	expectEndpointsAtAPIServer(t, srv)

	_, err = srv.Client.CoreV1().Services("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "impostor"},
		Spec:       corev1.ServiceSpec{ClusterIP: "10.96.0.1", Ports: []corev1.ServicePort{{Port: 80}}},
	}, metav1.CreateOptions{})
	if !apierrors.IsInvalid(err) {
		t.Fatalf("another Service asking for 10.96.0.1: %v, want Invalid", err)
	}
}

func TestARestartedAPIServerKeepsTheKubernetesServiceAndPutsItsEndpointsRight(t *testing.T) {
	ctx := context.Background()
	srv := apiservertest.Start(t, apiservertest.Options{})
	before, err := srv.Client.CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eps := srv.Client.CoreV1().Endpoints("default")
	if _, err := eps.Patch(ctx, "kubernetes", types.MergePatchType,
		[]byte(`{"subsets":[{"addresses":[{"ip":"192.0.2.9"}],"ports":[{"name":"https","port":1}]}]}`), metav1.PatchOptions{}); err != nil {
		t.Fatalf("spoil the endpoints: %v", err)
	}
	if err := srv.Client.DiscoveryV1().EndpointSlices("default").Delete(ctx, "kubernetes", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete the slice: %v", err)
	}

	// A second server on the same etcd bootstraps as a restarted one does.
	again, err := apiserver.New(apiserver.Config{Store: storage.New(srv.Etcd.Client), ServiceCIDR: "10.96.0.0/16",
		AdvertiseAddress: "127.0.0.1", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Bootstrap(ctx); err != nil {
		t.Fatalf("bootstrap over an existing cluster: %v", err)
	}
	after, err := srv.Client.CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil || after.UID != before.UID {
		t.Fatalf("the kubernetes Service after a restart: %v, uid %s, want the same one (%s)", err, after.UID, before.UID)
	}
	expectEndpointsAtAPIServer(t, srv)
}

func expectEndpointsAtAPIServer(t *testing.T, srv *apiservertest.Server) {
	t.Helper()
	ctx := context.Background()
	ep, err := srv.Client.CoreV1().Endpoints("default").Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get the kubernetes Endpoints: %v", err)
	}
	if len(ep.Subsets) != 1 || len(ep.Subsets[0].Addresses) != 1 || ep.Subsets[0].Addresses[0].IP != "127.0.0.1" ||
		len(ep.Subsets[0].Ports) != 1 || ep.Subsets[0].Ports[0].Port != 6443 {
		t.Fatalf("kubernetes Endpoints: %+v, want 127.0.0.1:6443", ep.Subsets)
	}
	slices, err := srv.Client.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=kubernetes"})
	if err != nil {
		t.Fatalf("list the kubernetes EndpointSlices: %v", err)
	}
	if len(slices.Items) != 1 {
		t.Fatalf("%d EndpointSlices of the kubernetes Service, want 1", len(slices.Items))
	}
	s := slices.Items[0]
	if len(s.Endpoints) != 1 || s.Endpoints[0].Addresses[0] != "127.0.0.1" || s.Endpoints[0].Conditions.Ready == nil ||
		!*s.Endpoints[0].Conditions.Ready || len(s.Ports) != 1 || *s.Ports[0].Port != 6443 {
		t.Fatalf("kubernetes EndpointSlice: endpoints %+v, ports %+v; want 127.0.0.1 ready, port 6443", s.Endpoints, s.Ports)
	}
}
