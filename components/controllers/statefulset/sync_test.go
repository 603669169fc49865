package statefulset

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/controllers/controller"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// newSet is a StatefulSet web of replicas, governed by Service web,
// defaulted as the API server would.
func newSet(replicas int32, policy appsv1.PodManagementPolicyType) *appsv1.StatefulSet {
	labels := map[string]string{"app": "web"}
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "set-uid", Generation: 1},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To(replicas), ServiceName: "web", PodManagementPolicy: policy,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "ownkube/echo:1"}}}},
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr.To[int32](0)}},
		},
	}
}

// runningPod is set's pod of ordinal ord at revision, Running, Ready for a minute.
func runningPod(set *appsv1.StatefulSet, ord int, revision string) *corev1.Pod {
	pod := newPod(set, ord, revision)
	pod.UID = types.UID("uid-" + pod.Name)
	markReady(pod)
	return pod
}

func markReady(pod *corev1.Pod) {
	pod.Status = corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{
		Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(t0.Add(-time.Minute))}}}
}

// harness runs the controller's sync on a fake clientset, one step at a
// time, with the kubelet's part (pods turning Ready) played by the test.
type harness struct {
	t      *testing.T
	c      *Controller
	client *fake.Clientset
	seen   int // actions already looked at
}

func newHarness(t *testing.T, objs ...runtime.Object) *harness {
	t.Helper()
	client := fake.NewClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	cc := &controller.Context{Client: client, Informers: factory, Events: record.NewBroadcaster(), Log: slog.Default(),
		Now: func() time.Time { return t0 }, Options: controller.Options{}.WithDefaults()}
	c, err := New(cc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	return &harness{t: t, c: c.(*Controller), client: client}
}

// sync runs one sync of ns/web and returns the pods it created and
// deleted, in order; then it waits for the informers to show the result.
func (h *harness) sync() (created, deleted []string) {
	h.t.Helper()
	if err := h.c.sync(context.Background(), "ns/web"); err != nil {
		h.t.Fatalf("sync: %v", err)
	}
	actions := h.client.Actions()
	for _, a := range actions[h.seen:] {
		if a.GetResource().Resource != "pods" || a.GetSubresource() != "" {
			continue
		}
		switch a := a.(type) {
		case k8stesting.CreateActionImpl:
			created = append(created, a.GetObject().(*corev1.Pod).Name)
		case k8stesting.DeleteActionImpl:
			deleted = append(deleted, a.GetName())
		}
	}
	h.seen = len(actions)
	h.settle()
	return created, deleted
}

// settle waits until the informers' caches hold what the fake API holds,
// and the expectations of the last sync are met.
func (h *harness) settle() {
	h.t.Helper()
	// A bound for a machine under load (go test -race runs packages side
	// by side), not a speed requirement: caught up, it returns at once.
	deadline := time.Now().Add(20 * time.Second)
	for !h.settled() {
		if time.Now().After(deadline) {
			h.t.Fatal("the informers did not catch up with the fake API within 20s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) settled() bool {
	ctx := context.Background()
	list, err := h.client.CoreV1().Pods("ns").List(ctx, metav1.ListOptions{})
	if err != nil {
		return false
	}
	cached, _ := h.c.pods.Pods("ns").List(labels.Everything())
	if len(cached) != len(list.Items) {
		return false
	}
	for _, p := range cached {
		i := slices.IndexFunc(list.Items, func(q corev1.Pod) bool { return q.Name == p.Name })
		if i < 0 || !equality.Semantic.DeepEqual(*p, list.Items[i]) {
			return false
		}
	}
	set, err := h.client.AppsV1().StatefulSets("ns").Get(ctx, "web", metav1.GetOptions{})
	cachedSet, cerr := h.c.sets.StatefulSets("ns").Get("web")
	return err == nil && cerr == nil && equality.Semantic.DeepEqual(set, cachedSet) && h.c.expect.Satisfied("ns/web")
}

// ready plays the kubelet: the pods named turn Running and Ready.
func (h *harness) ready(names ...string) {
	h.t.Helper()
	for _, name := range names {
		pod, err := h.client.CoreV1().Pods("ns").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			h.t.Fatal(err)
		}
		markReady(pod)
		if _, err := h.client.CoreV1().Pods("ns").UpdateStatus(context.Background(), pod, metav1.UpdateOptions{}); err != nil {
			h.t.Fatal(err)
		}
	}
	h.settle()
}

// fail plays the kubelet of a pod whose containers ended in failure.
func (h *harness) fail(name string) {
	h.t.Helper()
	pod, err := h.client.CoreV1().Pods("ns").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	pod.Status = corev1.PodStatus{Phase: corev1.PodFailed}
	if _, err := h.client.CoreV1().Pods("ns").UpdateStatus(context.Background(), pod, metav1.UpdateOptions{}); err != nil {
		h.t.Fatal(err)
	}
	h.settle()
}

func (h *harness) status() appsv1.StatefulSetStatus {
	h.t.Helper()
	set, err := h.client.AppsV1().StatefulSets("ns").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return set.Status
}

func expectStep(t *testing.T, step string, created, deleted, wantCreated, wantDeleted []string) {
	t.Helper()
	if !slices.Equal(created, wantCreated) || !slices.Equal(deleted, wantDeleted) {
		t.Fatalf("%s: created %v, deleted %v; want created %v, deleted %v", step, created, deleted, wantCreated, wantDeleted)
	}
}

func TestOrderedReadyCreatesEachOrdinalOnlyOnceTheOnesBelowAreReady(t *testing.T) {
	h := newHarness(t, newSet(3, appsv1.OrderedReadyPodManagement))
	c, d := h.sync()
	expectStep(t, "a new set", c, d, []string{"web-0"}, nil)
	c, d = h.sync()
	expectStep(t, "web-0 not yet Ready", c, d, nil, nil)
	h.ready("web-0")
	c, d = h.sync()
	expectStep(t, "web-0 Ready", c, d, []string{"web-1"}, nil)
	c, d = h.sync()
	expectStep(t, "web-1 not yet Ready", c, d, nil, nil)
	h.ready("web-1")
	c, d = h.sync()
	expectStep(t, "web-1 Ready", c, d, []string{"web-2"}, nil)
	h.ready("web-2")
	c, d = h.sync()
	expectStep(t, "all Ready", c, d, nil, nil)

	pod, err := h.client.CoreV1().Pods("ns").Get(context.Background(), "web-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	set, _ := h.client.AppsV1().StatefulSets("ns").Get(context.Background(), "web", metav1.GetOptions{})
	switch {
	case pod.Labels[appsv1.StatefulSetPodNameLabel] != "web-1" || pod.Labels[appsv1.PodIndexLabel] != "1" || pod.Labels["app"] != "web":
		t.Errorf("labels %v", pod.Labels)
	case pod.Labels[appsv1.ControllerRevisionHashLabelKey] != revisionOf(set):
		t.Errorf("revision label %q, want %q", pod.Labels[appsv1.ControllerRevisionHashLabelKey], revisionOf(set))
	case pod.Spec.Hostname != "web-1" || pod.Spec.Subdomain != "web":
		t.Errorf("hostname %q subdomain %q, want web-1 and web", pod.Spec.Hostname, pod.Spec.Subdomain)
	case !metav1.IsControlledBy(pod, set):
		t.Errorf("owner references %+v", pod.OwnerReferences)
	}
	s := h.status()
	if s.Replicas != 3 || s.ReadyReplicas != 3 || s.AvailableReplicas != 3 || s.CurrentReplicas != 3 || s.UpdatedReplicas != 3 ||
		s.ObservedGeneration != 1 || s.CurrentRevision != revisionOf(set) || s.UpdateRevision != s.CurrentRevision {
		t.Errorf("status %+v", s)
	}
}

func TestParallelCreatesAndDeletesAllAtOnce(t *testing.T) {
	set := newSet(3, appsv1.ParallelPodManagement)
	h := newHarness(t, set)
	c, d := h.sync()
	expectStep(t, "a new set", c, d, []string{"web-0", "web-1", "web-2"}, nil)

	rev := revisionOf(set)
	set.Spec.Replicas = ptr.To[int32](1)
	h = newHarness(t, set, runningPod(set, 0, rev), runningPod(set, 1, rev), runningPod(set, 2, rev))
	c, d = h.sync()
	expectStep(t, "scaled to 1", c, d, nil, []string{"web-2", "web-1"})
}

func TestOrderedReadyScalesDownHighestFirstOneAtATime(t *testing.T) {
	set := newSet(1, appsv1.OrderedReadyPodManagement)
	rev := revisionOf(set)
	h := newHarness(t, set, runningPod(set, 0, rev), runningPod(set, 1, rev), runningPod(set, 2, rev))
	c, d := h.sync()
	expectStep(t, "scaled from 3 to 1", c, d, nil, []string{"web-2"})
	c, d = h.sync()
	expectStep(t, "web-2 gone", c, d, nil, []string{"web-1"})
	c, d = h.sync()
	expectStep(t, "at 1", c, d, nil, nil)
	if s := h.status(); s.Replicas != 1 || s.ReadyReplicas != 1 {
		t.Errorf("status %+v, want 1 replica, 1 ready", s)
	}
}

func TestAMissingOrFailedPodIsMadeAgainUnderItsName(t *testing.T) {
	set := newSet(3, appsv1.OrderedReadyPodManagement)
	rev := revisionOf(set)
	h := newHarness(t, set, runningPod(set, 0, rev), runningPod(set, 2, rev))
	c, d := h.sync()
	expectStep(t, "web-1 deleted", c, d, []string{"web-1"}, nil)
	h.ready("web-1")
	h.fail("web-1")
	c, d = h.sync()
	expectStep(t, "web-1 failed", c, d, nil, []string{"web-1"})
	c, d = h.sync()
	expectStep(t, "the failed web-1 gone", c, d, []string{"web-1"}, nil)
}

func TestARollingUpdateReplacesFromTheTopDownToThePartition(t *testing.T) {
	set := newSet(3, appsv1.OrderedReadyPodManagement)
	old := revisionOf(set)
	set.Status = appsv1.StatefulSetStatus{CurrentRevision: old, UpdateRevision: old}
	set.Spec.Template.Spec.Containers[0].Image = "ownkube/echo:2"
	set.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To[int32](1)
	update := revisionOf(set)
	h := newHarness(t, set, runningPod(set, 0, old), runningPod(set, 1, old), runningPod(set, 2, old))

	c, d := h.sync()
	expectStep(t, "a new template", c, d, nil, []string{"web-2"})
	c, d = h.sync()
	expectStep(t, "web-2 gone", c, d, []string{"web-2"}, nil)
	c, d = h.sync()
	expectStep(t, "web-2 at the update revision, not Ready", c, d, nil, nil)
	h.ready("web-2")
	c, d = h.sync()
	expectStep(t, "web-2 Ready", c, d, nil, []string{"web-1"})
	c, d = h.sync()
	expectStep(t, "web-1 gone", c, d, []string{"web-1"}, nil)
	h.ready("web-1")
	c, d = h.sync()
	expectStep(t, "down to the partition", c, d, nil, nil)

	s := h.status()
	if s.CurrentRevision != old || s.UpdateRevision != update || s.CurrentReplicas != 1 || s.UpdatedReplicas != 2 || s.ReadyReplicas != 3 {
		t.Errorf("status %+v; want web-0 current at %s, two updated at %s", s, old, update)
	}
	pod, _ := h.client.CoreV1().Pods("ns").Get(context.Background(), "web-0", metav1.GetOptions{})
	if revisionOfPod(pod) != old {
		t.Errorf("web-0, below the partition, is at %s", revisionOfPod(pod))
	}
}

func TestAnOrphanOfTheSetIsAdoptedAndOneOfAnotherNameIsNot(t *testing.T) {
	set := newSet(1, appsv1.OrderedReadyPodManagement)
	orphan := runningPod(set, 0, revisionOf(set))
	orphan.OwnerReferences = nil
	stranger := orphan.DeepCopy()
	stranger.Name, stranger.UID = "db-0", "uid-db-0"
	h := newHarness(t, set, orphan, stranger)
	c, d := h.sync()
	expectStep(t, "an orphan web-0", c, d, nil, nil)
	for name, want := range map[string]bool{"web-0": true, "db-0": false} {
		pod, _ := h.client.CoreV1().Pods("ns").Get(context.Background(), name, metav1.GetOptions{})
		if got := metav1.GetControllerOf(pod) != nil; got != want {
			t.Errorf("%s adopted: %t, want %t", name, got, want)
		}
	}
}
