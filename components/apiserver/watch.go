package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ownkube/ownkube/components/api"
	"github.com/ownkube/ownkube/components/storage"
)

// maxWatchTimeout ends a watch that asked for no timeout, as
// kube-apiserver's --min-request-timeout does; clients re-watch.
const maxWatchTimeout = 30 * time.Minute

// watchRequest is a watch's parameters, checked.
type watchRequest struct {
	filter    *filter
	form      form
	bookmarks bool
	// initial asks for the current objects as ADDED events first; with
	// streamingList, closed by a BOOKMARK annotated initial-events-end.
	initial, streamingList bool
	// from is the revision after which changes are sent, unless initial.
	from    int64
	timeout time.Duration
}

func parseWatch(r *http.Request, res api.Resource) (*watchRequest, error) {
	q := r.URL.Query()
	f, err := parseFilter(res, q)
	if err != nil {
		return nil, err
	}
	form, err := negotiate(r.Header.Get("Accept"))
	if err != nil {
		return nil, err
	}
	wr := &watchRequest{filter: f, form: form, bookmarks: isTrue(q.Get("allowWatchBookmarks")), timeout: maxWatchTimeout}
	if err := wr.parseStart(q); err != nil {
		return nil, err
	}
	if v := q.Get("timeoutSeconds"); v != "" {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs < 0 {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid timeoutSeconds %q", v))
		}
		wr.timeout = min(time.Duration(secs)*time.Second, maxWatchTimeout)
	}
	return wr, nil
}

// parseStart reads where the watch starts. With no resourceVersion (or
// "0") it starts with the current objects; sendInitialEvents=true does the
// same for the streaming list client-go's informers use.
func (wr *watchRequest) parseStart(q url.Values) error {
	rv, match, initial := q.Get("resourceVersion"), q.Get("resourceVersionMatch"), q.Get("sendInitialEvents")
	if initial != "" {
		if match != string(metav1.ResourceVersionMatchNotOlderThan) {
			return apierrors.NewBadRequest("sendInitialEvents is forbidden for watch unless resourceVersionMatch is NotOlderThan")
		}
		if !wr.bookmarks {
			return apierrors.NewBadRequest("sendInitialEvents requires setting allowWatchBookmarks to true")
		}
	} else if match != "" {
		return apierrors.NewBadRequest("resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided")
	}
	wr.streamingList = isTrue(initial)
	wr.initial = wr.streamingList || (initial == "" && (rv == "" || rv == "0"))
	if wr.initial || rv == "" || rv == "0" {
		return nil
	}
	rev, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || rev < 0 {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid resourceVersion %q: use one read from this server", rv))
	}
	wr.from = rev
	return nil
}

// serveWatch streams {"type","object"} events, one JSON document per line.
func (s *Server) serveWatch(w http.ResponseWriter, r *http.Request, req *request) {
	wr, err := parseWatch(r, req.resource)
	if err != nil {
		writeError(w, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), wr.timeout)
	defer cancel()
	var initial []runtime.Object
	if wr.initial {
		if initial, wr.from, err = s.store.List(ctx, req.resource, req.namespace, 0); err != nil {
			writeError(w, err)
			return
		}
	}
	events, err := s.store.Watch(ctx, req.resource, req.namespace, wr.from+1)
	if err != nil {
		writeError(w, err)
		return
	}
	out := &eventWriter{w: w, rc: http.NewResponseController(w), s: s, r: r, res: req.resource, form: wr.form}
	w.Header().Set("Content-Type", "application/json")
	if wr.form == formProtobuf {
		w.Header().Set("Content-Type", runtime.ContentTypeProtobuf+";stream=watch")
		out.frames = protobuf.LengthDelimitedFramer.NewFrameWriter(w)
	}
	w.WriteHeader(http.StatusOK)
	_ = out.rc.Flush()
	if err := out.initialEvents(wr, initial); err != nil {
		return
	}
	out.stream(ctx, wr, events)
}

// eventWriter writes watch events to one client.
type eventWriter struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	s    *Server
	r    *http.Request
	res  api.Resource
	form form
	// frames writes length-delimited protobuf events, for clients that
	// asked for protobuf; nil for JSON lines.
	frames io.Writer
}

func (o *eventWriter) initialEvents(wr *watchRequest, items []runtime.Object) error {
	for _, item := range items {
		if wr.filter.matches(o.res, item) {
			if err := o.send(watch.Added, item); err != nil {
				return err
			}
		}
	}
	if wr.streamingList {
		return o.send(watch.Bookmark, o.bookmark(wr.from, true))
	}
	return nil
}

// stream forwards the store's events through the filter until the watch
// ends: timeout, client gone, or an error sent as an ERROR event (410
// Expired when the start revision was compacted).
//
// A store stream that goes silent, sending not even a progress
// notification for Config.WatchSilenceTimeout while etcd's revision moved
// past it, is taken for broken and the watch ends: the client watches
// again from its last resourceVersion and misses nothing, where waiting
// would leave it deaf until its own timeout, minutes later. (etcd reports
// progress only once its revision reaches the watch's start, so an idle
// cluster's quiet watches are left alone.)
func (o *eventWriter) stream(ctx context.Context, wr *watchRequest, events <-chan storage.Event) {
	silence := newSilenceTimer(o.s.cfg.WatchSilenceTimeout)
	defer silence.Stop()
	last := wr.from // the newest revision the stream has reported
	for {
		var ev storage.Event
		var ok bool
		select {
		case <-ctx.Done():
			return
		case <-silence.C():
			if o.broken(ctx, last) {
				return
			}
			silence.Reset()
			continue
		case ev, ok = <-events:
			if !ok {
				return
			}
		}
		silence.Reset()
		last = max(last, ev.Revision)
		var err error
		switch ev.Type {
		case watch.Error:
			_ = o.send(watch.Error, statusOf(ev.Err))
			return
		case watch.Bookmark:
			if wr.bookmarks {
				err = o.send(watch.Bookmark, o.bookmark(ev.Revision, false))
			}
		default:
			if typ, obj := filterEvent(o.res, wr.filter, ev); typ != "" {
				err = o.send(typ, obj)
			}
		}
		if err != nil {
			return
		}
	}
}

// filterEvent turns a change into what a client watching through f sees:
// an object that starts matching is ADDED, one that stops is DELETED.
func filterEvent(r api.Resource, f *filter, ev storage.Event) (watch.EventType, runtime.Object) {
	if f.everything() {
		return ev.Type, ev.Object
	}
	now := f.matches(r, ev.Object)
	prev := ev.PrevObject()
	before := prev != nil && f.matches(r, prev)
	switch {
	case ev.Type == watch.Added && now, ev.Type == watch.Deleted && now:
		return ev.Type, ev.Object
	case ev.Type == watch.Modified && now && before:
		return watch.Modified, ev.Object
	case ev.Type == watch.Modified && now:
		return watch.Added, ev.Object
	case ev.Type == watch.Modified && before:
		gone := prev
		mustMeta(gone).SetResourceVersion(mustMeta(ev.Object).GetResourceVersion())
		return watch.Deleted, gone
	}
	return "", nil
}

// bookmark is an object of the watched kind carrying only a revision: it
// tells the client it is caught up to there.
func (o *eventWriter) bookmark(rev int64, initialEventsEnd bool) runtime.Object {
	obj := o.res.New()
	m := mustMeta(obj)
	m.SetResourceVersion(strconv.FormatInt(rev, 10))
	if initialEventsEnd {
		m.SetAnnotations(map[string]string{metav1.InitialEventsAnnotationKey: "true"})
	}
	return obj
}

func (o *eventWriter) send(typ watch.EventType, obj runtime.Object) error {
	if o.s.cfg.LogRequests {
		o.logEvent(typ, obj)
	}
	if o.form == formTable && typ != watch.Error && typ != watch.Bookmark {
		table, err := o.s.table(o.r, o.res, []runtime.Object{obj})
		if err != nil {
			return err
		}
		obj = table
	}
	if o.frames != nil {
		return o.sendProtobuf(typ, obj)
	}
	data, err := runtime.Encode(jsonSerializer, api.WithKind(obj))
	if err != nil {
		return err
	}
	line, err := json.Marshal(struct {
		Type   watch.EventType `json:"type"`
		Object json.RawMessage `json:"object"`
	}{typ, data})
	if err != nil {
		return err
	}
	if _, err := o.w.Write(append(line, '\n')); err != nil {
		return err
	}
	return o.rc.Flush()
}

// rawProtobuf writes a WatchEvent without the envelope: the event is the
// frame, and the object inside it is an ordinary (enveloped) protobuf
// object, as kube-apiserver streams them and client-go reads them.
var rawProtobuf = protobuf.NewRawSerializer(api.Scheme, api.Scheme)

func (o *eventWriter) sendProtobuf(typ watch.EventType, obj runtime.Object) error {
	data, err := runtime.Encode(protobufSerializer, api.WithKind(obj))
	if err != nil {
		return err
	}
	event, err := runtime.Encode(rawProtobuf, &metav1.WatchEvent{Type: string(typ), Object: runtime.RawExtension{Raw: data}})
	if err != nil {
		return err
	}
	if _, err := o.frames.Write(event); err != nil {
		return err
	}
	return o.rc.Flush()
}

// broken tells whether a stream silent for a whole period is broken: etcd
// has moved past the last revision it reported, so a live stream would
// have said so.
func (o *eventWriter) broken(ctx context.Context, last int64) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	rev, err := o.s.store.CurrentRevision(ctx)
	if err == nil && rev <= last {
		return false
	}
	o.s.log.Info("watch ended: its etcd stream sent nothing, not even progress, so the client watches again",
		"resource", o.res.Resource, "silentFor", o.s.cfg.WatchSilenceTimeout, "reported", last, "etcd", rev, "err", err,
		"userAgent", o.r.UserAgent())
	return true
}

// silenceTimer fires once a stream has been quiet for its period; a zero
// period never fires.
type silenceTimer struct {
	period time.Duration
	t      *time.Timer
}

func newSilenceTimer(period time.Duration) *silenceTimer {
	st := &silenceTimer{period: period}
	if period > 0 {
		st.t = time.NewTimer(period)
	}
	return st
}

// C is the channel that fires; nil (never ready) when the timer is off.
func (st *silenceTimer) C() <-chan time.Time {
	if st.t == nil {
		return nil
	}
	return st.t.C
}

func (st *silenceTimer) Reset() {
	if st.t != nil {
		st.t.Reset(st.period)
	}
}

func (st *silenceTimer) Stop() {
	if st.t != nil {
		st.t.Stop()
	}
}
