package apiserver

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/utils/ptr"
)

// A list comes in pages when the client sets limit, as kube-apiserver
// serves them: every page is read at the first page's revision, so the
// pages together are one consistent list, and the continue token says
// where the next page starts and at which revision. The token is kube's
// own (k8s.io/apiserver/pkg/storage's EncodeContinue), so client-go's
// pager and `kubectl get --chunk-size` page through it unchanged.

// continuePrefix is what the token's start key is relative to: the page
// keys are "/namespace/name", the order the store lists in.
const continuePrefix = "/"

// page is what a list request asks of paging.
type page struct {
	limit int64
	// from is the key the page starts at; empty for the first page.
	from string
	// rev is the revision to read at: the first page's, for a continue.
	rev int64
}

// parsePage reads limit and continue. A continue fixes the revision, so
// it may not come with a resourceVersion, as in Kubernetes.
func parsePage(q url.Values, rev int64) (page, error) {
	p := page{rev: rev}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.ParseInt(l, 10, 64)
		if err != nil || n < 0 {
			return page{}, apierrors.NewBadRequest(fmt.Sprintf("invalid limit %q: want a whole number of items", l))
		}
		p.limit = n
	}
	token := q.Get("continue")
	if token == "" {
		return p, nil
	}
	if rv := q.Get("resourceVersion"); rv != "" && rv != "0" {
		return page{}, apierrors.NewBadRequest("specifying resource version is not allowed when using continue")
	}
	from, tokenRev, err := storage.DecodeContinue(token, continuePrefix)
	if err != nil {
		return page{}, apierrors.NewBadRequest(fmt.Sprintf("invalid continue token: %v", err))
	}
	p.from, p.rev = from, tokenRev
	return p, nil
}

// expiredContinue is kube's answer to a continue whose revision etcd has
// compacted away.
func expiredContinue(err error) error {
	if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		return err
	}
	return apierrors.NewResourceExpired("The provided continue parameter is too old to display a consistent list result. " +
		"You can start a new list without the continue parameter.")
}

// cut keeps the items of p (kept are in the store's key order) and sets
// the list's continue token and remaining count when more remain.
// remainingItemCount is left out when selectors filtered the list, as
// Kubernetes leaves it out.
func (p page) cut(list runtime.Object, kept []runtime.Object, rev int64, filtered bool) ([]runtime.Object, error) {
	if p.limit == 0 && p.from == "" {
		return kept, nil // no paging: the whole list
	}
	// The store lists in key order; sorting makes paging independent of
	// that promise.
	sort.SliceStable(kept, func(i, j int) bool { return pageKey(kept[i]) < pageKey(kept[j]) })
	start := 0
	if p.from != "" {
		for start < len(kept) && pageKey(kept[start]) < p.from {
			start++
		}
	}
	kept = kept[start:]
	if p.limit == 0 || int64(len(kept)) <= p.limit {
		return kept, nil
	}
	out, rest := kept[:p.limit], kept[p.limit:]
	token, err := storage.EncodeContinue(pageKey(out[len(out)-1])+"\x00", continuePrefix, rev)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("encode the continue token: %w", err))
	}
	lm, err := meta.ListAccessor(list)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	lm.SetContinue(token)
	if !filtered {
		lm.SetRemainingItemCount(ptr.To(int64(len(rest))))
	}
	return out, nil
}

// pageKey is the item's place in the store's order.
func pageKey(obj runtime.Object) string {
	m, err := meta.Accessor(obj)
	if err != nil {
		return ""
	}
	if m.GetNamespace() == "" {
		return continuePrefix + m.GetName()
	}
	return continuePrefix + m.GetNamespace() + "/" + m.GetName()
}
