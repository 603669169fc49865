package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ownkube/ownkube/components/api"
)

// requestTimeout bounds every call but a watch, as kube-apiserver's
// --request-timeout does.
const requestTimeout = 60 * time.Second

// serveResource answers a request on a resource, a collection of them, or
// a subresource.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req, err := parseRequest(r.Method, r.URL.Path, isTrue(q.Get("watch")))
	if err != nil {
		writeError(w, err)
		return
	}
	noteRequest(r, req)
	if req.verb == "watch" {
		s.serveWatch(w, r, req)
		return
	}
	if req.subresource == "proxy" {
		// A proxied answer is the pod's: it may stream, or upgrade.
		s.serveProxy(w, r, req)
		return
	}
	if connectPaths[req.subresource] != "" {
		// An upgraded stream outlives any request timeout.
		s.serveConnect(w, r, req)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	if err := checkDryRun(q); err != nil {
		writeError(w, err)
		return
	}
	if req.subresource == "scale" {
		s.serveScale(ctx, w, r, req)
		return
	}
	switch req.verb {
	case "get":
		s.serveGet(ctx, w, r, req)
	case "list":
		s.serveList(ctx, w, r, req)
	case "create":
		s.serveCreate(ctx, w, r, req)
	case "update":
		s.serveUpdate(ctx, w, r, req)
	case "patch":
		s.servePatch(ctx, w, r, req)
	case "delete":
		s.serveDelete(ctx, w, r, req)
	case "deletecollection":
		s.serveDeleteCollection(ctx, w, r, req)
	}
}

func (s *Server) serveGet(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) {
	if req.subresource == "log" {
		s.serveLog(w, r, req)
		return
	}
	obj, err := s.store.Get(ctx, req.resource, req.namespace, req.name)
	if err != nil {
		writeError(w, err)
		return
	}
	s.writeRead(w, r, req.resource, obj, []runtime.Object{obj}, "")
}

func (s *Server) serveList(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) {
	q := r.URL.Query()
	f, err := parseFilter(req.resource, q)
	if err != nil {
		writeError(w, err)
		return
	}
	rev, err := listRevision(q)
	if err != nil {
		writeError(w, err)
		return
	}
	p, err := parsePage(q, rev)
	if err != nil {
		writeError(w, err)
		return
	}
	items, listRev, err := s.store.List(ctx, req.resource, req.namespace, p.rev)
	if err != nil {
		if p.from != "" {
			err = expiredContinue(err)
		}
		writeError(w, err)
		return
	}
	list, kept, err := buildPage(req.resource, items, f, listRev, p)
	if err != nil {
		writeError(w, err)
		return
	}
	s.writeRead(w, r, req.resource, list, kept, strconv.FormatInt(listRev, 10))
}

// buildList keeps the items that pass f and puts them in r's list type.
func buildList(r api.Resource, items []runtime.Object, f *filter, rev int64) (runtime.Object, []runtime.Object, error) {
	return buildPage(r, items, f, rev, page{})
}

// buildPage is buildList of the page p of the kept items.
func buildPage(r api.Resource, items []runtime.Object, f *filter, rev int64, p page) (runtime.Object, []runtime.Object, error) {
	kept := make([]runtime.Object, 0, len(items))
	for _, item := range items {
		if f.matches(r, item) {
			kept = append(kept, item)
		}
	}
	list := r.NewList()
	kept, err := p.cut(list, kept, rev, !f.everything())
	if err != nil {
		return nil, nil, err
	}
	if err := meta.SetList(list, kept); err != nil {
		return nil, nil, apierrors.NewInternalError(fmt.Errorf("build %s list: %w", r.Kind, err))
	}
	listMeta, err := meta.ListAccessor(list)
	if err != nil {
		return nil, nil, apierrors.NewInternalError(err)
	}
	listMeta.SetResourceVersion(strconv.FormatInt(rev, 10))
	return list, kept, nil
}

// listRevision reads a list's resourceVersion and resourceVersionMatch:
// unset, "0" or NotOlderThan read the newest state; Exact reads the store
// as it was at that revision (410 once compacted).
func listRevision(q url.Values) (int64, error) {
	rv, match := q.Get("resourceVersion"), q.Get("resourceVersionMatch")
	switch match {
	case "", string(metav1.ResourceVersionMatchNotOlderThan):
		return 0, nil
	case string(metav1.ResourceVersionMatchExact):
		rev, err := strconv.ParseInt(rv, 10, 64)
		if err != nil || rev <= 0 {
			return 0, apierrors.NewBadRequest(fmt.Sprintf("resourceVersionMatch=Exact needs a resourceVersion read from this server, not %q", rv))
		}
		return rev, nil
	}
	return 0, apierrors.NewBadRequest(fmt.Sprintf("invalid resourceVersionMatch %q: use NotOlderThan or Exact", match))
}

// writeRead answers a get or list with the object, or with a Table when
// the client asked for one (kubectl get does).
func (s *Server) writeRead(w http.ResponseWriter, r *http.Request, res api.Resource, obj runtime.Object, items []runtime.Object, listRV string) {
	form, err := negotiate(r.Header.Get("Accept"))
	if err != nil {
		writeError(w, err)
		return
	}
	if form != formTable {
		writeResult(w, r, http.StatusOK, obj)
		return
	}
	table, err := s.table(r, res, items)
	if err != nil {
		writeError(w, err)
		return
	}
	table.ResourceVersion = listRV
	if lm, err := meta.ListAccessor(obj); err == nil {
		// A page of a list: the table pages on as the list does.
		table.Continue, table.RemainingItemCount = lm.GetContinue(), lm.GetRemainingItemCount()
	}
	writeObject(w, http.StatusOK, table)
}

// checkDryRun accepts dryRun=All, which every mutating verb honours by
// doing all but the write, and refuses any other value with a 400.
func checkDryRun(q url.Values) error {
	for _, v := range q["dryRun"] {
		if v != metav1.DryRunAll {
			return apierrors.NewBadRequest(fmt.Sprintf("invalid dryRun %q: the only supported value is All", v))
		}
	}
	return nil
}

func isDryRun(r *http.Request) bool { return len(r.URL.Query()["dryRun"]) > 0 }
