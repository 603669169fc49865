package apiserver_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

// evictionFixture is an API server with pods labelled app=web in
// "default" and the helpers the eviction tests share.
type evictionFixture struct {
	t   *testing.T
	ctx context.Context
	c   kubernetes.Interface
}

func newEvictionFixture(t *testing.T) *evictionFixture {
	return &evictionFixture{t: t, ctx: context.Background(),
		c: apiservertest.Start(t, apiservertest.Options{WithoutLoops: true}).Client}
}

// pod creates a pod of app=web in phase, Ready if ready, on node-a.
func (f *evictionFixture) pod(name string, phase corev1.PodPhase, ready bool) *corev1.Pod {
	f.t.Helper()
	pods := f.c.CoreV1().Pods("default")
	pod, err := pods.Create(f.ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: "node-a", TerminationGracePeriodSeconds: ptr.To[int64](30),
			Containers: []corev1.Container{{Name: "c", Image: "ownkube/echo:1"}}}}, metav1.CreateOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	cond := corev1.ConditionFalse
	if ready {
		cond = corev1.ConditionTrue
	}
	pod.Status.Phase = phase
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: cond}}
	if pod, err = pods.UpdateStatus(f.ctx, pod, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
	return pod
}

// budget creates a PDB selecting app=web whose status, as the disruption
// controller would write it, allows allowed disruptions of 2 healthy pods.
func (f *evictionFixture) budget(name string, allowed int32, observed bool) *policyv1.PodDisruptionBudget {
	f.t.Helper()
	pdbs := f.c.PolicyV1().PodDisruptionBudgets("default")
	pdb, err := pdbs.Create(f.ctx, &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(2 - allowed)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}, metav1.CreateOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	pdb.Status = policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: allowed, CurrentHealthy: 2, DesiredHealthy: 2 - allowed, ExpectedPods: 2}
	if observed {
		pdb.Status.ObservedGeneration = pdb.Generation
	}
	if pdb, err = pdbs.UpdateStatus(f.ctx, pdb, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
	return pdb
}

func (f *evictionFixture) evict(name string) error {
	return f.c.PolicyV1().Evictions("default").Evict(f.ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}})
}

// getPod is the pod, or nil once it is gone.
func (f *evictionFixture) getPod(name string) *corev1.Pod {
	f.t.Helper()
	pod, err := f.c.CoreV1().Pods("default").Get(f.ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return pod
}

func (f *evictionFixture) getBudget(name string) *policyv1.PodDisruptionBudget {
	f.t.Helper()
	pdb, err := f.c.PolicyV1().PodDisruptionBudgets("default").Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return pdb
}

// wantUntouched fails unless the pod is still there and not being deleted.
func (f *evictionFixture) wantUntouched(name string) {
	f.t.Helper()
	if pod := f.getPod(name); pod == nil || pod.DeletionTimestamp != nil {
		f.t.Errorf("pod %s was deleted by a refused eviction", name)
	}
}

func TestEvictionDeletesThePodAndTakesADisruptionFromItsBudget(t *testing.T) {
	f := newEvictionFixture(t)
	f.pod("web-1", corev1.PodRunning, true)
	f.pod("web-2", corev1.PodRunning, true)
	before := f.budget("web", 1, true)
	if err := f.evict("web-1"); err != nil {
		t.Fatalf("evict: %v", err)
	}
	pod := f.getPod("web-1")
	if pod == nil || pod.DeletionTimestamp == nil || ptr.Deref(pod.DeletionGracePeriodSeconds, -1) != 30 {
		t.Fatalf("the evicted pod is not being deleted with its 30 s grace period: %+v", pod)
	}
	if !hasDisruptionTarget(pod) {
		t.Errorf("the evicted pod has no DisruptionTarget condition: %+v", pod.Status.Conditions)
	}
	pdb := f.getBudget("web")
	if pdb.Status.DisruptionsAllowed != 0 {
		t.Errorf("disruptionsAllowed %d after the eviction; want 0", pdb.Status.DisruptionsAllowed)
	}
	if _, ok := pdb.Status.DisruptedPods["web-1"]; !ok {
		t.Errorf("disruptedPods %v does not record web-1", pdb.Status.DisruptedPods)
	}
	if pdb.ResourceVersion == before.ResourceVersion {
		t.Error("the budget was not written")
	}
	f.wantUntouched("web-2")
}

func TestEvictionHonoursItsDeleteOptions(t *testing.T) {
	f := newEvictionFixture(t)
	pod := f.pod("web-1", corev1.PodRunning, true)
	f.budget("web", 1, true)
	evictions := f.c.PolicyV1().Evictions("default")
	stale := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "default"},
		DeleteOptions: &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: ptr.To[types.UID]("not-its-uid")}}}
	if err := evictions.Evict(f.ctx, stale); !apierrors.IsConflict(err) {
		t.Fatalf("an eviction whose UID precondition fails answered %v; want 409", err)
	}
	f.wantUntouched("web-1")
	if pdb := f.getBudget("web"); pdb.Status.DisruptionsAllowed != 1 {
		t.Errorf("a refused eviction took a disruption: %+v", pdb.Status)
	}
	now := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "default"},
		DeleteOptions: &metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0), Preconditions: &metav1.Preconditions{UID: &pod.UID}}}
	if err := evictions.Evict(f.ctx, now); err != nil {
		t.Fatalf("evict with grace period 0: %v", err)
	}
	if p := f.getPod("web-1"); p != nil {
		t.Errorf("the pod evicted with grace period 0 is still there: %+v", p.ObjectMeta)
	}
}

func TestEvictionAtAnExhaustedBudgetIs429AndDeletesNothing(t *testing.T) {
	f := newEvictionFixture(t)
	f.pod("web-1", corev1.PodRunning, true)
	before := f.budget("web", 0, true)
	err := f.evict("web-1")
	if !apierrors.IsTooManyRequests(err) {
		t.Fatalf("evict at a budget of 0 answered %v; want 429", err)
	}
	status := err.(apierrors.APIStatus).Status()
	if status.Message != "Cannot evict pod as it would violate the pod's disruption budget." {
		t.Errorf("message %q is not kube's", status.Message)
	}
	if status.Details == nil || len(status.Details.Causes) != 1 || status.Details.Causes[0].Type != policyv1.DisruptionBudgetCause ||
		!strings.Contains(status.Details.Causes[0].Message, "needs 2 healthy pods and has 2 currently") {
		t.Errorf("details %+v carry no DisruptionBudget cause naming the counts", status.Details)
	}
	f.wantUntouched("web-1")
	if pdb := f.getBudget("web"); pdb.ResourceVersion != before.ResourceVersion {
		t.Errorf("a refused eviction wrote the budget: %+v", pdb.Status)
	}
}

func TestEvictionAtABudgetNotYetObservedIs429(t *testing.T) {
	f := newEvictionFixture(t)
	f.pod("web-1", corev1.PodRunning, true)
	f.budget("web", 1, false)
	err := f.evict("web-1")
	if !apierrors.IsTooManyRequests(err) || !strings.Contains(err.(apierrors.APIStatus).Status().Details.Causes[0].Message, "still being processed") {
		t.Fatalf("evict under a budget the controller has not seen answered %v; want 429 still being processed", err)
	}
	f.wantUntouched("web-1")
}

func TestEvictionUnderTwoBudgetsIs500(t *testing.T) {
	f := newEvictionFixture(t)
	f.pod("web-1", corev1.PodRunning, true)
	f.budget("web", 1, true)
	f.budget("web-too", 1, true)
	err := f.evict("web-1")
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Code != http.StatusInternalServerError ||
		status.Status().Message != "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support." {
		t.Fatalf("evict under two budgets answered %v; want 500 with kube's message", err)
	}
	f.wantUntouched("web-1")
}

func TestEvictionNamingAnotherPodIs400(t *testing.T) {
	f := newEvictionFixture(t)
	f.pod("web-1", corev1.PodRunning, true)
	err := f.c.CoreV1().RESTClient().Post().Namespace("default").Resource("pods").Name("web-1").SubResource("eviction").
		Body([]byte(`{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web-2"}}`)).Do(f.ctx).Error()
	if !apierrors.IsBadRequest(err) {
		t.Fatalf("an eviction of web-2 posted to web-1 answered %v; want 400", err)
	}
	f.wantUntouched("web-1")
}

func TestEvictionOfAMissingPodIs404(t *testing.T) {
	f := newEvictionFixture(t)
	if err := f.evict("nobody"); !apierrors.IsNotFound(err) {
		t.Fatalf("evict of a missing pod answered %v; want 404", err)
	}
}

func TestEvictionOfAPodThatDisruptsNothingIgnoresTheBudget(t *testing.T) {
	f := newEvictionFixture(t)
	f.pod("done", corev1.PodSucceeded, false)
	f.pod("starting", corev1.PodPending, false)
	// Short of healthy pods, so that an unready pod which is asked about
	// the budget is refused: these two must not be asked.
	before := f.budget("web", 0, true)
	before.Status.CurrentHealthy = 1
	before, err := f.c.PolicyV1().PodDisruptionBudgets("default").UpdateStatus(f.ctx, before, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"done", "starting"} {
		if err := f.evict(name); err != nil {
			t.Errorf("evict %s at a budget of 0: %v", name, err)
		}
	}
	if p := f.getPod("done"); p != nil {
		t.Errorf("the finished pod is still there: %+v", p.ObjectMeta)
	}
	if p := f.getPod("starting"); p == nil || p.DeletionTimestamp == nil {
		t.Errorf("the Pending pod is not being deleted: %+v", p)
	}
	if pdb := f.getBudget("web"); pdb.ResourceVersion != before.ResourceVersion {
		t.Errorf("evicting pods that disrupt nothing wrote the budget: %+v", pdb.Status)
	}
}

func TestEvictionOfAnUnreadyPodFollowsUnhealthyPodEvictionPolicy(t *testing.T) {
	f := newEvictionFixture(t)
	f.pod("sick", corev1.PodRunning, false)
	// IfHealthyBudget (the default): the budget has its 2 healthy pods, so
	// the sick one goes without taking the one disruption.
	f.budget("web", 1, true)
	if err := f.evict("sick"); err != nil {
		t.Fatalf("evict an unready pod of a healthy budget: %v", err)
	}
	if p := f.getPod("sick"); p == nil || p.DeletionTimestamp == nil {
		t.Fatalf("the unready pod is not being deleted: %+v", p)
	}
	if pdb := f.getBudget("web"); pdb.Status.DisruptionsAllowed != 1 {
		t.Errorf("disruptionsAllowed %d; an unready pod took a disruption", pdb.Status.DisruptionsAllowed)
	}
}

func TestEvictionAcceptsPolicyV1beta1(t *testing.T) {
	f := newEvictionFixture(t)
	f.pod("web-1", corev1.PodRunning, true)
	err := f.c.CoreV1().RESTClient().Post().Namespace("default").Resource("pods").Name("web-1").SubResource("eviction").
		Body([]byte(`{"apiVersion":"policy/v1beta1","kind":"Eviction","metadata":{"name":"web-1"},"deleteOptions":{"gracePeriodSeconds":0}}`)).
		Do(f.ctx).Error()
	if err != nil {
		t.Fatalf("a policy/v1beta1 eviction: %v", err)
	}
	if p := f.getPod("web-1"); p != nil {
		t.Errorf("the pod evicted by v1beta1 with grace 0 is still there: %+v", p.ObjectMeta)
	}
}

func TestEvictionIsInDiscoveryAsKubectlDrainLooksForIt(t *testing.T) {
	c := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true}).Client
	list, err := c.Discovery().ServerResourcesForGroupVersion("v1")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list.APIResources {
		if r.Name == "pods/eviction" {
			if r.Group != "policy" || r.Version != "v1" || r.Kind != "Eviction" || len(r.Verbs) != 1 || r.Verbs[0] != "create" {
				t.Errorf("pods/eviction is %+v; want group policy, version v1, kind Eviction, verb create", r)
			}
			return
		}
	}
	t.Error("pods/eviction is not in discovery of v1")
}

func hasDisruptionTarget(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.DisruptionTarget && c.Status == corev1.ConditionTrue && c.Reason == "EvictionByEvictionAPI" {
			return true
		}
	}
	return false
}

func TestEvictionAcceptsProtobuf(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	cfg := rest.CopyConfig(s.Config)
	cfg.ContentType = runtime.ContentTypeProtobuf
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := &evictionFixture{t: t, ctx: context.Background(), c: c}
	f.pod("web-1", corev1.PodRunning, true)
	f.budget("web", 1, true)
	if err := f.evict("web-1"); err != nil {
		t.Fatalf("a protobuf eviction: %v", err)
	}
	if pdb := f.getBudget("web"); pdb.Status.DisruptionsAllowed != 0 {
		t.Errorf("disruptionsAllowed %d after a protobuf eviction; want 0", pdb.Status.DisruptionsAllowed)
	}
}
