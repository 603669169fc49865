// Package simulated registers many nodes that run no containers: a pod
// bound to one of them is marked Running at once, as KWOK does. It exists
// for the scheduler benchmark alone (make bench), which needs 1,000 nodes
// on a 2-core machine; no conformance spec runs on it, and every node it
// registers says so in its labels (ownkube.io/simulated=true).
package simulated

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
)

// LabelSimulated marks the nodes this package registers.
const LabelSimulated = "ownkube.io/simulated"

// Config configures a Simulator.
type Config struct {
	Client kubernetes.Interface
	// Nodes is how many nodes to register, named <Prefix><i> from 1.
	Nodes  int
	Prefix string // default "sim-node-"
	// Capacity is what each node offers (default 32 cpu, 256Gi, 110 pods).
	Capacity corev1.ResourceList
	// Workers is how many pods are marked Running at once (default 16).
	Workers int
	Logger  *slog.Logger
}

// Simulator runs the simulated nodes.
type Simulator struct {
	cfg   Config
	queue workqueue.TypedRateLimitingInterface[string]
	pods  cache.SharedIndexInformer
}

// New checks cfg and fills in defaults.
func New(cfg Config) (*Simulator, error) {
	if cfg.Client == nil || cfg.Nodes <= 0 {
		return nil, errors.New("simulated: a Client and a positive number of Nodes are required")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "sim-node-"
	}
	if cfg.Capacity == nil {
		cfg.Capacity = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("32"),
			corev1.ResourceMemory: resource.MustParse("256Gi"), corev1.ResourcePods: resource.MustParse("110")}
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Simulator{cfg: cfg, queue: workqueue.NewTypedRateLimitingQueue(
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](50*time.Millisecond, 5*time.Second))}, nil
}

// NodeName is the name of simulated node i (from 1).
func (s *Simulator) NodeName(i int) string { return fmt.Sprintf("%s%d", s.cfg.Prefix, i) }

// Register creates the nodes (Ready, with their capacity), many at once.
func (s *Simulator) Register(ctx context.Context) error {
	sem := make(chan struct{}, 32)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for i := 1; i <= s.cfg.Nodes; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := s.register(ctx, s.NodeName(i)); err != nil {
				mu.Lock()
				first = errors.Join(first, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

func (s *Simulator) register(ctx context.Context, name string) error {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		corev1.LabelHostname: name, LabelSimulated: "true"}}}
	node, err := s.cfg.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("register simulated node %s: %w", name, err)
	}
	now := metav1.Now()
	node.Status = corev1.NodeStatus{Capacity: s.cfg.Capacity, Allocatable: s.cfg.Capacity, Phase: corev1.NodeRunning,
		Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			Message: "simulated node", LastHeartbeatTime: now, LastTransitionTime: now}}}
	if _, err := s.cfg.Client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("report status of simulated node %s: %w", name, err)
	}
	return nil
}

// Run watches the pods bound to simulated nodes and marks them Running (or
// deletes them for good once deleted), until ctx ends.
func (s *Simulator) Run(ctx context.Context) error {
	factory := informers.NewSharedInformerFactoryWithOptions(s.cfg.Client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.FieldSelector = "spec.nodeName!=" }))
	s.pods = factory.Core().V1().Pods().Informer()
	enqueue := func(obj any) {
		if pod, ok := obj.(*corev1.Pod); ok && strings.HasPrefix(pod.Spec.NodeName, s.cfg.Prefix) {
			s.queue.Add(pod.Namespace + "/" + pod.Name)
		}
	}
	if _, err := s.pods.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) }}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	defer s.queue.ShutDown()
	for range s.cfg.Workers {
		go func() {
			for s.next(ctx) {
			}
		}()
	}
	<-ctx.Done()
	factory.Shutdown()
	return nil
}

func (s *Simulator) next(ctx context.Context) bool {
	key, shutdown := s.queue.Get()
	if shutdown {
		return false
	}
	defer s.queue.Done(key)
	if err := s.sync(ctx, key); err != nil && ctx.Err() == nil {
		s.queue.AddRateLimited(key)
		return true
	}
	s.queue.Forget(key)
	return true
}

func (s *Simulator) sync(ctx context.Context, key string) error {
	obj, exists, err := s.pods.GetStore().GetByKey(key)
	if err != nil || !exists {
		return err
	}
	pod := obj.(*corev1.Pod)
	pods := s.cfg.Client.CoreV1().Pods(pod.Namespace)
	if pod.DeletionTimestamp != nil {
		err := pods.Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0), Preconditions: &metav1.Preconditions{UID: &pod.UID}})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil
		}
		return err
	}
	if pod.Status.Phase == corev1.PodRunning {
		return nil
	}
	_, err = pods.Patch(ctx, pod.Name, types.MergePatchType, runningPatch(pod), metav1.PatchOptions{}, "status")
	return err
}

// runningPatch is the status a simulated node reports for a pod: Running,
// every container running and ready.
func runningPatch(pod *corev1.Pod) []byte {
	now := time.Now().UTC().Format(time.RFC3339)
	var statuses []string
	for _, c := range pod.Spec.Containers {
		statuses = append(statuses, fmt.Sprintf(`{"name":%q,"image":%q,"imageID":"","ready":true,"restartCount":0,"started":true,"state":{"running":{"startedAt":%q}}}`,
			c.Name, c.Image, now))
	}
	return []byte(fmt.Sprintf(`{"status":{"phase":"Running","startTime":%q,"podIP":"10.244.0.1",`+
		`"conditions":[{"type":"Initialized","status":"True"},{"type":"ContainersReady","status":"True"},{"type":"Ready","status":"True"},{"type":"PodScheduled","status":"True"}],`+
		`"containerStatuses":[%s]}}`, now, strings.Join(statuses, ",")))
}
