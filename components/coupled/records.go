package coupled

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"

	"github.com/ownkube/ownkube/components/api"
	"github.com/ownkube/ownkube/components/storage"
)

// Root is where the CLI keeps its records in etcd: /ownkube/pods/<ns>/<name>
// and /ownkube/nodes/<name>. It is not the API server's /registry/, so the
// two can share one etcd and never touch each other's keys.
const Root = "/ownkube/"

// conflictBackoff paces the retries of a compare-and-swap that lost to
// another writer. It allows many more attempts than client-go's
// DefaultRetry (5), since the CLI's runs may race by the dozen, and adds
// full jitter so the losers do not collide again in lockstep.
var conflictBackoff = wait.Backoff{Steps: 30, Duration: 10 * time.Millisecond, Factor: 1.5, Jitter: 1, Cap: time.Second}

// Records are the CLI's Nodes and Pods in etcd, kept through the kit's
// generic store, whose compare-and-swap core (etcdstore) the learner writes.
type Records struct {
	client       *clientv3.Client
	store        *storage.Store
	pods, nodes  api.Resource
	etcdEndpoint string
}

// OpenRecords connects to the etcd at url and checks that it answers.
func OpenRecords(ctx context.Context, url string) (*Records, error) {
	client, err := clientv3.New(clientv3.Config{Endpoints: []string{url}, DialTimeout: 5 * time.Second,
		Logger: zap.NewNop()})
	if err != nil {
		return nil, fmt.Errorf("connect to etcd at %s: %w", url, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := client.Get(pingCtx, Root, clientv3.WithCountOnly()); err != nil {
		client.Close()
		return nil, fmt.Errorf("etcd at %s does not answer (is it running? check --etcd or $OWNKUBE_ETCD): %w", url, err)
	}
	pods, _ := api.Lookup(corev1.SchemeGroupVersion.WithResource("pods"))
	nodes, _ := api.Lookup(corev1.SchemeGroupVersion.WithResource("nodes"))
	return &Records{client: client, store: storage.NewAt(client, Root), pods: pods, nodes: nodes, etcdEndpoint: url}, nil
}

// Close closes the etcd connection.
func (r *Records) Close() error { return r.client.Close() }

// CreatePod records a new pod; it fails with AlreadyExists if the name is taken.
func (r *Records) CreatePod(ctx context.Context, pod *corev1.Pod) (*corev1.Pod, error) {
	obj, err := r.store.Create(ctx, r.pods, pod.DeepCopy())
	if err != nil {
		return nil, err
	}
	return obj.(*corev1.Pod), nil
}

// GetPod reads one pod's record.
func (r *Records) GetPod(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	obj, err := r.store.Get(ctx, r.pods, namespace, name)
	if err != nil {
		return nil, err
	}
	return obj.(*corev1.Pod), nil
}

// ListPods reads the pods of namespace ("": every namespace), by name.
func (r *Records) ListPods(ctx context.Context, namespace string) ([]corev1.Pod, error) {
	objs, _, err := r.store.List(ctx, r.pods, namespace, 0)
	if err != nil {
		return nil, err
	}
	pods := make([]corev1.Pod, 0, len(objs))
	for _, o := range objs {
		pods = append(pods, *o.(*corev1.Pod))
	}
	slices.SortFunc(pods, func(a, b corev1.Pod) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	return pods, nil
}

// UpdatePod is a read-modify-write of a pod's record: it reads the record,
// lets mutate change it, and writes it back only if nobody wrote it
// meanwhile (compare-and-swap on its resourceVersion); if somebody did, it
// starts again from the newer record. mutate must be safe to call again.
func (r *Records) UpdatePod(ctx context.Context, namespace, name string, mutate func(*corev1.Pod) error) (*corev1.Pod, error) {
	var out *corev1.Pod
	err := retry.RetryOnConflict(conflictBackoff, func() error {
		pod, err := r.GetPod(ctx, namespace, name)
		if err != nil {
			return err
		}
		if err := mutate(pod); err != nil {
			return err
		}
		obj, err := r.store.Update(ctx, r.pods, pod)
		if err != nil {
			return err
		}
		out = obj.(*corev1.Pod)
		return nil
	})
	return out, err
}

// DeletePod removes a pod's record, as it is now (compare-and-swap on the
// revision just read, so a record written meanwhile is read again).
func (r *Records) DeletePod(ctx context.Context, namespace, name string) error {
	return r.deleteRecord(ctx, r.pods, func() (runtime.Object, error) { return r.GetPod(ctx, namespace, name) })
}

// CreateNode records a new node; it fails with AlreadyExists if the name is taken.
func (r *Records) CreateNode(ctx context.Context, node *corev1.Node) (*corev1.Node, error) {
	obj, err := r.store.Create(ctx, r.nodes, node.DeepCopy())
	if err != nil {
		return nil, err
	}
	return obj.(*corev1.Node), nil
}

// ListNodes reads every node's record, by name.
func (r *Records) ListNodes(ctx context.Context) ([]corev1.Node, error) {
	objs, _, err := r.store.List(ctx, r.nodes, "", 0)
	if err != nil {
		return nil, err
	}
	nodes := make([]corev1.Node, 0, len(objs))
	for _, o := range objs {
		nodes = append(nodes, *o.(*corev1.Node))
	}
	slices.SortFunc(nodes, func(a, b corev1.Node) int { return strings.Compare(a.Name, b.Name) })
	return nodes, nil
}

// DeleteNode removes a node's record.
func (r *Records) DeleteNode(ctx context.Context, name string) error {
	return r.deleteRecord(ctx, r.nodes, func() (runtime.Object, error) {
		return r.store.Get(ctx, r.nodes, "", name)
	})
}

func (r *Records) deleteRecord(ctx context.Context, res api.Resource, get func() (runtime.Object, error)) error {
	return retry.RetryOnConflict(conflictBackoff, func() error {
		obj, err := get()
		if err != nil {
			return err
		}
		_, err = r.store.Delete(ctx, res, obj)
		return err
	})
}

// isNotFound reports a record that is not there.
func isNotFound(err error) bool { return apierrors.IsNotFound(err) }

// errNoRecords is returned by what needs Records when there are none.
var errNoRecords = errors.New("this needs the records in etcd: give --etcd URL (or set $OWNKUBE_ETCD)")
