package kubelet

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

// Source tells the kubelet which pods should run on its node, and takes
// their status back. This source is a watch of the API; the coupled
// stages of the kit add one that receives pods pushed over HTTP.
type Source interface {
	// Start begins watching and calls enqueue with the key (namespace/name)
	// of every pod that changes. It returns once watching has started.
	Start(ctx context.Context, enqueue func(key string)) error
	// HasSynced reports whether the source has seen every pod once.
	HasSynced() bool
	// Pod returns the pod of key as last seen, or nil when there is none.
	Pod(key string) *corev1.Pod
	// Pods returns every pod the source knows.
	Pods() []*corev1.Pod
	// UpdateStatus reports a pod's new status.
	UpdateStatus(ctx context.Context, pod *corev1.Pod, status corev1.PodStatus) error
	// Finish says a deleted pod is gone from the node, so it can go for good.
	Finish(ctx context.Context, pod *corev1.Pod) error
}

// APISource watches the API for the pods bound to one node.
type APISource struct {
	client   kubernetes.Interface
	node     string
	factory  informers.SharedInformerFactory
	informer cache.SharedIndexInformer
}

// NewAPISource returns a source of the pods whose spec.nodeName is node.
func NewAPISource(client kubernetes.Interface, node string) *APISource {
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = "spec.nodeName=" + node }))
	return &APISource{client: client, node: node, factory: factory, informer: factory.Core().V1().Pods().Informer()}
}

func (s *APISource) Start(ctx context.Context, enqueue func(string)) error {
	handler := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			enqueue(key)
		}
	}
	if _, err := s.informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    handler,
		UpdateFunc: func(_, obj any) { handler(obj) },
		DeleteFunc: handler,
	}); err != nil {
		return fmt.Errorf("watch pods of node %s: %w", s.node, err)
	}
	s.factory.Start(ctx.Done())
	return nil
}

func (s *APISource) HasSynced() bool { return s.informer.HasSynced() }

func (s *APISource) Pod(key string) *corev1.Pod {
	obj, exists, err := s.informer.GetStore().GetByKey(key)
	if err != nil || !exists {
		return nil
	}
	return obj.(*corev1.Pod) // shared with the informer's cache: never modified
}

func (s *APISource) Pods() []*corev1.Pod {
	objs := s.informer.GetStore().List()
	pods := make([]*corev1.Pod, 0, len(objs))
	for _, obj := range objs {
		pods = append(pods, obj.(*corev1.Pod))
	}
	return pods
}

// UpdateStatus writes the status through pods/status with a merge patch,
// which needs no resourceVersion: the kubelet owns the status it computes.
func (s *APISource) UpdateStatus(ctx context.Context, pod *corev1.Pod, status corev1.PodStatus) error {
	patch, err := statusPatch(pod.UID, status)
	if err != nil {
		return err
	}
	_, err = s.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, patch, metav1.PatchOptions{}, "status")
	if err != nil {
		return fmt.Errorf("update status of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}

// Finish deletes the pod for good, with a precondition on its UID so a new
// pod of the same name is never deleted by mistake.
func (s *APISource) Finish(ctx context.Context, pod *corev1.Pod) error {
	err := s.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptr.To[int64](0),
		Preconditions:      &metav1.Preconditions{UID: &pod.UID},
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // already gone, or a new pod of the same name
	}
	if err != nil {
		return fmt.Errorf("delete pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}
