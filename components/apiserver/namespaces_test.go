package apiserver_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

func TestTheSystemNamespacesExistAndMayNotBeDeleted(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{WithoutLoops: true}).Client
	for _, name := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		if _, err := c.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{}); err != nil {
			t.Errorf("namespace %s: %v, want it there from the start", name, err)
		}
		err := c.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
		if !apierrors.IsForbidden(err) {
			t.Errorf("deleting namespace %s: %v, want 403", name, err)
		}
	}
	_, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "mortal"}}, metav1.CreateOptions{})
	must(t, err)
	// A collection that includes a system namespace is refused whole.
	// (client-go has no DeleteCollection for namespaces: the REST call is what curl would send.)
	if err := c.CoreV1().RESTClient().Delete().Resource("namespaces").Do(ctx).Error(); !apierrors.IsForbidden(err) {
		t.Errorf("deleting every namespace: %v, want 403", err)
	}
	ns, err := c.CoreV1().Namespaces().Get(ctx, "mortal", metav1.GetOptions{})
	must(t, err)
	if ns.DeletionTimestamp != nil {
		t.Errorf("a refused collection delete still began deleting namespace mortal")
	}
	must(t, c.CoreV1().Namespaces().Delete(ctx, "mortal", metav1.DeleteOptions{}))
}
