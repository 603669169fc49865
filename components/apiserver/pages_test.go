package apiserver_test

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/pager"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

func TestAListComesInConsistentPagesWhenALimitIsSet(t *testing.T) {
	ctx, s := context.Background(), apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	cms := s.Client.CoreV1().ConfigMaps("default")
	for i := range 25 {
		_, err := cms.Create(ctx, cmWith(fmt.Sprintf("cm-%02d", i), map[string]string{"i": fmt.Sprint(i)}), metav1.CreateOptions{})
		must(t, err)
	}

	first, err := cms.List(ctx, metav1.ListOptions{Limit: 10})
	must(t, err)
	if len(first.Items) != 10 || first.Continue == "" || first.RemainingItemCount == nil || *first.RemainingItemCount != 15 {
		t.Fatalf("first page: %d items, continue %q, remaining %v; want 10, a token, 15", len(first.Items), first.Continue, first.RemainingItemCount)
	}
	// Written after the first page: the pages are one list as it was then.
	_, err = cms.Create(ctx, cmWith("cm-99", nil), metav1.CreateOptions{})
	must(t, err)

	names := namesOf(first.Items)
	token := first.Continue
	for token != "" {
		next, err := cms.List(ctx, metav1.ListOptions{Limit: 10, Continue: token})
		must(t, err)
		if next.ResourceVersion != first.ResourceVersion {
			t.Errorf("a later page is at resourceVersion %s, the first at %s", next.ResourceVersion, first.ResourceVersion)
		}
		names = append(names, namesOf(next.Items)...)
		token = next.Continue
	}
	if len(names) != 25 {
		t.Fatalf("the pages hold %d ConfigMaps, want the 25 there were at the first page: %v", len(names), names)
	}
	for i, n := range names {
		if want := fmt.Sprintf("cm-%02d", i); n != want {
			t.Fatalf("item %d is %s, want %s: pages overlap or skip", i, n, want)
		}
	}
}

func TestClientGosPagerReadsTheWholeList(t *testing.T) {
	ctx, s := context.Background(), apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	cms := s.Client.CoreV1().ConfigMaps("default")
	for i := range 7 {
		_, err := cms.Create(ctx, cmWith(fmt.Sprintf("p-%d", i), nil), metav1.CreateOptions{})
		must(t, err)
	}
	pages := 0
	p := pager.New(func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		pages++
		return cms.List(ctx, opts)
	})
	p.PageSize = 3
	count := 0
	err := p.EachListItem(ctx, metav1.ListOptions{}, func(runtime.Object) error { count++; return nil })
	must(t, err)
	if count != 7 || pages != 3 {
		t.Errorf("the pager read %d ConfigMaps in %d pages, want 7 in 3 pages of at most 3", count, pages)
	}
}

func TestABadOrStaleContinueIsRefused(t *testing.T) {
	ctx, s := context.Background(), apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	cms := s.Client.CoreV1().ConfigMaps("default")
	for i := range 3 {
		_, err := cms.Create(ctx, cmWith(fmt.Sprintf("c-%d", i), map[string]string{"app": "x"}), metav1.CreateOptions{})
		must(t, err)
	}
	first, err := cms.List(ctx, metav1.ListOptions{Limit: 1})
	must(t, err)

	if _, err := cms.List(ctx, metav1.ListOptions{Limit: 1, Continue: "not-a-token"}); !apierrors.IsBadRequest(err) {
		t.Errorf("a garbled token: %v, want 400", err)
	}
	if _, err := cms.List(ctx, metav1.ListOptions{Limit: 1, Continue: first.Continue, ResourceVersion: first.ResourceVersion}); !apierrors.IsBadRequest(err) {
		t.Errorf("a token with a resourceVersion: %v, want 400", err)
	}
	if _, err := cms.List(ctx, metav1.ListOptions{Limit: -1}); !apierrors.IsBadRequest(err) {
		t.Errorf("a negative limit: %v, want 400", err)
	}
	selected, err := cms.List(ctx, metav1.ListOptions{Limit: 1, LabelSelector: "app!=y"})
	must(t, err)
	if selected.Continue == "" || selected.RemainingItemCount != nil {
		t.Errorf("a selected page: continue %q, remaining %v; want a token and no count, as Kubernetes", selected.Continue, selected.RemainingItemCount)
	}

	// Compact past the first page's revision: its token can no longer give
	// a consistent list.
	_, err = cms.Create(ctx, cmWith("later", nil), metav1.CreateOptions{})
	must(t, err)
	resp, err := s.Etcd.Client.Get(ctx, "/")
	must(t, err)
	_, err = s.Etcd.Client.Compact(ctx, resp.Header.Revision)
	must(t, err)
	_, err = cms.List(ctx, metav1.ListOptions{Limit: 1, Continue: first.Continue})
	if !apierrors.IsResourceExpired(err) {
		t.Errorf("a token older than the compacted revision: %v, want 410 Expired", err)
	}
}

func namesOf(items []corev1.ConfigMap) []string {
	var out []string
	for _, cm := range items {
		out = append(out, cm.Name)
	}
	return out
}
