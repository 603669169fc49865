package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/ownkube/ownkube/components/api"
	"github.com/ownkube/ownkube/components/kit/exercise"
	"github.com/ownkube/ownkube/components/storage/etcdstore"
)

// Store keeps objects of every served resource in etcd, encoded in
// protobuf as kube-apiserver stores them: several times cheaper to encode
// and decode than JSON, which matters when every watcher decodes every
// change. Values written as JSON are still read.
type Store struct {
	client   *clientv3.Client
	root     string // every key begins with it: RegistryRoot unless NewAt says otherwise
	protobuf runtime.Serializer
	json     runtime.Serializer
}

// protobufPrefix starts every protobuf-encoded Kubernetes object.
var protobufPrefix = []byte("k8s\x00")

// RegistryRoot is where the API server keeps every object, as kube-apiserver does.
const RegistryRoot = "/registry/"

// New returns a store over an etcd client, keeping objects under RegistryRoot.
func New(client *clientv3.Client) *Store { return NewAt(client, RegistryRoot) }

// NewAt returns a store keeping objects under root ("/ownkube/": the
// coupled CLI's records, which share an etcd with an API server's
// /registry/ and must never touch it). root begins and ends with "/".
func NewAt(client *clientv3.Client, root string) *Store {
	return &Store{client: client, root: root,
		protobuf: protobuf.NewSerializer(api.Scheme, api.Scheme),
		json:     json.NewSerializerWithOptions(json.DefaultMetaFactory, api.Scheme, api.Scheme, json.SerializerOptions{})}
}

// Client is the etcd client the store writes through.
func (s *Store) Client() *clientv3.Client { return s.client }

// Key is where the API server keeps an object of r in etcd.
func Key(r api.Resource, namespace, name string) string {
	return Prefix(r, namespace) + name
}

// Prefix is the key prefix of every object of r in namespace ("": in all
// namespaces, or a cluster-scoped resource), under RegistryRoot.
func Prefix(r api.Resource, namespace string) string { return prefixUnder(RegistryRoot, r, namespace) }

func (s *Store) key(r api.Resource, namespace, name string) string {
	return prefixUnder(s.root, r, namespace) + name
}

func (s *Store) prefix(r api.Resource, namespace string) string {
	return prefixUnder(s.root, r, namespace)
}

func prefixUnder(root string, r api.Resource, namespace string) string {
	p := root + r.Resource + "/"
	if r.Group != "" {
		p = root + r.Group + "/" + r.Resource + "/"
	}
	if r.Namespaced && namespace != "" {
		p += namespace + "/"
	}
	return p
}

// Create stores a new object; it fails with AlreadyExists when the name is taken.
func (s *Store) Create(ctx context.Context, r api.Resource, obj runtime.Object) (runtime.Object, error) {
	m := mustMeta(obj)
	data, err := s.encode(obj)
	if err != nil {
		return nil, err
	}
	rev, err := etcdstore.Create(ctx, s.client, s.key(r, m.GetNamespace(), m.GetName()), data)
	if err != nil {
		return nil, s.apiError(r, m.GetName(), err)
	}
	m.SetResourceVersion(strconv.FormatInt(rev, 10))
	return obj, nil
}

// Get reads one object.
func (s *Store) Get(ctx context.Context, r api.Resource, namespace, name string) (runtime.Object, error) {
	kv, err := etcdstore.Get(ctx, s.client, s.key(r, namespace, name))
	if err != nil {
		return nil, s.apiError(r, name, err)
	}
	return s.decode(kv.Value, kv.Revision)
}

// Update writes obj if the stored object is still at obj's resourceVersion:
// a stale one fails with Conflict, as every client of Kubernetes expects.
func (s *Store) Update(ctx context.Context, r api.Resource, obj runtime.Object) (runtime.Object, error) {
	m := mustMeta(obj)
	rev, err := parseRevision(m.GetResourceVersion())
	if err != nil {
		return nil, err
	}
	data, err := s.encode(obj)
	if err != nil {
		return nil, err
	}
	newRev, err := etcdstore.Update(ctx, s.client, s.key(r, m.GetNamespace(), m.GetName()), data, rev)
	if err != nil {
		return nil, s.apiError(r, m.GetName(), err)
	}
	m.SetResourceVersion(strconv.FormatInt(newRev, 10))
	return obj, nil
}

// Delete removes obj if it is still at its resourceVersion, and returns it
// at the revision of its deletion.
func (s *Store) Delete(ctx context.Context, r api.Resource, obj runtime.Object) (runtime.Object, error) {
	m := mustMeta(obj)
	rev, err := parseRevision(m.GetResourceVersion())
	if err != nil {
		return nil, err
	}
	delRev, err := etcdstore.Delete(ctx, s.client, s.key(r, m.GetNamespace(), m.GetName()), rev)
	if err != nil {
		return nil, s.apiError(r, m.GetName(), err)
	}
	m.SetResourceVersion(strconv.FormatInt(delRev, 10))
	return obj, nil
}

// List reads every object of r in namespace as the store was at revision
// rev (0: now), and returns the revision it read at.
func (s *Store) List(ctx context.Context, r api.Resource, namespace string, rev int64) ([]runtime.Object, int64, error) {
	kvs, listRev, err := etcdstore.List(ctx, s.client, s.prefix(r, namespace), rev)
	if err != nil {
		return nil, 0, s.apiError(r, "", err)
	}
	items := make([]runtime.Object, 0, len(kvs))
	for _, kv := range kvs {
		obj, err := s.decode(kv.Value, kv.Revision)
		if err != nil {
			return nil, 0, err
		}
		items = append(items, obj)
	}
	return items, listRev, nil
}

// Event is one change of an object, decoded.
type Event struct {
	Type watch.EventType
	// Object is the object after the change; for Deleted, its last state
	// with the resourceVersion of the deletion.
	Object runtime.Object
	// Revision is the revision of the change, or of a Bookmark.
	Revision int64
	// Err ends a stream that failed, as an API error (410 Expired when the
	// start revision was compacted).
	Err error

	prev  []byte
	store *Store
}

// PrevObject decodes the object as it was before the change (Modified and
// Deleted; nil otherwise). Only a watch with selectors needs it, so it is
// decoded on demand.
func (e Event) PrevObject() runtime.Object {
	if e.prev == nil {
		return nil
	}
	obj, err := e.store.decode(e.prev, e.Revision)
	if err != nil {
		return nil
	}
	return obj
}

// Watch streams the changes to objects of r in namespace from revision rev
// on, until ctx ends.
func (s *Store) Watch(ctx context.Context, r api.Resource, namespace string, rev int64) (<-chan Event, error) {
	events, err := etcdstore.Watch(ctx, s.client, s.prefix(r, namespace), rev)
	if err != nil {
		return nil, s.apiError(r, "", err)
	}
	out := make(chan Event)
	go func() {
		defer close(out)
		for ev := range events {
			decoded := s.decodeEvent(r, ev)
			select {
			case out <- decoded:
			case <-ctx.Done():
				return
			}
			if decoded.Type == watch.Error {
				return
			}
		}
	}()
	return out, nil
}

func (s *Store) decodeEvent(r api.Resource, ev etcdstore.Event) Event {
	out := Event{Type: ev.Type, Revision: ev.Revision, prev: ev.PrevValue, store: s}
	if ev.Type == watch.Error {
		out.Err = s.apiError(r, "", ev.Err)
		return out
	}
	if ev.Type == watch.Bookmark {
		return out
	}
	var err error
	if out.Object, err = s.decode(ev.Value, ev.Revision); err != nil {
		return Event{Type: watch.Error, Err: err}
	}
	return out
}

// CurrentRevision returns etcd's newest revision.
func (s *Store) CurrentRevision(ctx context.Context) (int64, error) {
	resp, err := s.client.Get(ctx, s.root, clientv3.WithCountOnly(), clientv3.WithLimit(1))
	if err != nil {
		return 0, apierrors.NewInternalError(fmt.Errorf("read etcd revision: %w", err))
	}
	return resp.Header.Revision, nil
}

func (s *Store) encode(obj runtime.Object) ([]byte, error) {
	m := mustMeta(obj)
	rv := m.GetResourceVersion()
	m.SetResourceVersion("") // the revision is etcd's to keep, not the value's
	defer m.SetResourceVersion(rv)
	data, err := runtime.Encode(s.protobuf, api.WithKind(obj))
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("encode %T: %w", obj, err))
	}
	return data, nil
}

func (s *Store) decode(data []byte, rev int64) (runtime.Object, error) {
	decoder := s.json
	if bytes.HasPrefix(data, protobufPrefix) {
		decoder = s.protobuf
	}
	obj, err := runtime.Decode(decoder, data)
	if err != nil {
		return nil, apierrors.NewInternalError(fmt.Errorf("decode stored object: %w", err))
	}
	mustMeta(obj).SetResourceVersion(strconv.FormatInt(rev, 10))
	return api.WithKind(obj), nil
}

// apiError turns an error of the core into the API error a client expects.
func (s *Store) apiError(r api.Resource, name string, err error) error {
	gr := r.GroupResource()
	switch {
	case errors.Is(err, etcdstore.ErrNotFound):
		return apierrors.NewNotFound(gr, name)
	case errors.Is(err, etcdstore.ErrExists):
		return apierrors.NewAlreadyExists(gr, name)
	case errors.Is(err, etcdstore.ErrConflict):
		return apierrors.NewConflict(gr, name,
			errors.New("the object has been modified; please apply your changes to the latest version and try again"))
	case errors.Is(err, etcdstore.ErrCompacted):
		return apierrors.NewResourceExpired("too old resource version: " + err.Error())
	case exercise.IsNotImplemented(err):
		return NotImplemented(err)
	case errors.Is(err, rpctypes.ErrRequestTooLarge), strings.Contains(err.Error(), "larger than max"):
		return apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("the object is too large for etcd to store: %v", err))
	case errors.Is(err, context.Canceled):
		return apierrors.NewTimeoutError("the request was canceled before etcd answered", 0)
	case errors.Is(err, context.DeadlineExceeded):
		return apierrors.NewTimeoutError(fmt.Sprintf("etcd did not answer in time: %v", err), 1)
	}
	return apierrors.NewInternalError(err)
}

// ReasonNotImplemented is the reason of the 501 Status of a stub.
const ReasonNotImplemented metav1.StatusReason = "NotImplemented"

// NotImplemented is the 501 Status of a stub a learner has yet to write.
func NotImplemented(err error) *apierrors.StatusError {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    501,
		Reason:  ReasonNotImplemented,
		Message: err.Error() + ": write it in exercises/ to pass this stage",
	}}
}

func parseRevision(rv string) (int64, error) {
	rev, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || rev <= 0 {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("invalid resourceVersion %q: it must be a resourceVersion read from this server", rv))
	}
	return rev, nil
}

func mustMeta(obj runtime.Object) metav1.Object {
	m, err := meta.Accessor(obj)
	if err != nil {
		panic(fmt.Sprintf("storage: %T has no object metadata: %v", obj, err))
	}
	return m
}
