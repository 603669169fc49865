package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/api"
	"github.com/ownkube/ownkube/components/disruption"
)

// The eviction subresource, pods/eviction, as kube-apiserver's EvictionREST
// serves it: a POST of a policy/v1 (or v1beta1) Eviction deletes the pod,
// but only if the one PodDisruptionBudget that selects it allows one more
// disruption. The budget's status.disruptionsAllowed is written by the
// disruption controller (controller-manager); an eviction takes one with a
// resourceVersion-checked status update and records the pod in
// status.disruptedPods, so two evictions racing for the last disruption
// cannot both win, and the controller does not count the pod as healthy
// while it goes. `kubectl drain` evicts every pod of a node this way and
// retries the 429s.

// evictionAttempts bounds the retries of an eviction whose pod or budget
// changed under it, as kube's EvictionsRetry (20 steps) does.
const evictionAttempts = 20

// maxDisruptedPods is how many evictions a budget may hold that the
// controller has not yet seen through, as kube's MaxDisruptedPodSize.
const maxDisruptedPods = 2000

// Kube's words for the answers of the eviction subresource.
const (
	msgViolatesBudget  = "Cannot evict pod as it would violate the pod's disruption budget."
	msgManyBudgets     = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
	msgNameMismatch    = "name in URL does not match name in Eviction object"
	evictionCondReason = "EvictionByEvictionAPI"
	evictionCondMsg    = "Eviction API: evicting"
)

var pdbResource = mustLookup(policyv1.SchemeGroupVersion.WithResource("poddisruptionbudgets"))

// pdbGroupResource is how kube names budgets in the errors of an eviction.
var pdbGroupResource = schema.GroupResource{Group: policyv1.GroupName, Resource: "poddisruptionbudget"}

// v1beta1Decoder reads the policy/v1beta1 Eviction older clients send; its
// scheme is its own, so that the server's serves no v1beta1 kind.
var v1beta1Decoder = func() runtime.Decoder {
	s := runtime.NewScheme()
	if err := policyv1beta1.AddToScheme(s); err != nil {
		panic(err)
	}
	return json.NewSerializerWithOptions(json.DefaultMetaFactory, s, s, json.SerializerOptions{})
}()

func mustLookup(gvr schema.GroupVersionResource) api.Resource {
	r, ok := api.Lookup(gvr)
	if !ok {
		panic(fmt.Sprintf("apiserver: %s is not served", gvr))
	}
	return r
}

func (s *Server) serveEviction(ctx context.Context, w http.ResponseWriter, r *http.Request, req *request) {
	eviction, err := readEviction(w, r)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := s.evict(ctx, req.resource, req.namespace, req.name, eviction, isDryRun(r)); err != nil {
		writeError(w, err)
		return
	}
	writeResult(w, r, http.StatusCreated, &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated})
}

// readEviction reads the body as a policy/v1 Eviction, or as a v1beta1 one
// made v1: the two differ only in their apiVersion.
func readEviction(w http.ResponseWriter, r *http.Request) (*policyv1.Eviction, error) {
	data, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	eviction := &policyv1.Eviction{}
	if gvk, err := json.DefaultMetaFactory.Interpret(data); err == nil && gvk.GroupVersion() == policyv1beta1.SchemeGroupVersion {
		old := &policyv1beta1.Eviction{}
		if _, _, err := v1beta1Decoder.Decode(data, nil, old); err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("the body is not a valid Eviction: %v", err))
		}
		eviction.ObjectMeta, eviction.DeleteOptions = old.ObjectMeta, old.DeleteOptions
		return eviction, nil
	}
	return eviction, decodeOptions(r, data, eviction, "Eviction")
}

// evict is kube's EvictionREST.Create: a pod that has already disrupted
// (finished, not yet started, or on its way out) goes without a look at
// any budget; any other takes a disruption from its budget first.
func (s *Server) evict(ctx context.Context, pods api.Resource, namespace, name string, eviction *policyv1.Eviction, dryRun bool) error {
	if eviction.Name != "" && eviction.Name != name {
		return apierrors.NewBadRequest(msgNameMismatch)
	}
	opts := ptr.Deref(eviction.DeleteOptions, metav1.DeleteOptions{})
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	if err := validateDeleteOptions(&opts); err != nil {
		return err
	}
	pod, done, err := s.evictIgnoringBudget(ctx, pods, namespace, name, &opts)
	if err != nil || done {
		return err
	}
	pdb, err := s.budgetOf(ctx, pod)
	if err != nil || pdb == nil {
		if err == nil {
			err = s.deleteEvicted(ctx, pods, pod, &opts)
		}
		return err
	}
	if !disruption.PodReady(pod) && unhealthyMayGo(pdb) {
		// It counts in neither currentHealthy nor desiredHealthy: it goes
		// without taking a disruption, unless it became ready meanwhile.
		return s.deleteEvicted(ctx, pods, pod, atResourceVersion(&opts, pod.ResourceVersion))
	}
	// Unlike kube, a precondition the pod fails refuses the eviction before
	// it takes a disruption, so a bad request costs the budget nothing.
	if err := checkPreconditions(pods, pod, opts.Preconditions); err != nil {
		return err
	}
	if err := s.takeDisruption(ctx, pod, pdb, len(opts.DryRun) > 0); err != nil {
		return err
	}
	return s.deleteEvicted(ctx, pods, pod, &opts)
}

// evictIgnoringBudget deletes the pod when no budget need be asked: it is
// terminal, Pending or already being deleted, so it disrupts nothing more.
// It reports done when it deleted the pod; else it returns the pod, whose
// budget must be asked.
func (s *Server) evictIgnoringBudget(ctx context.Context, pods api.Resource, namespace, name string, opts *metav1.DeleteOptions) (*corev1.Pod, bool, error) {
	for attempt := 1; ; attempt++ {
		obj, err := s.store.Get(ctx, pods, namespace, name)
		if err != nil {
			return nil, false, err
		}
		pod := obj.(*corev1.Pod)
		if !canIgnoreBudget(pod) {
			return pod, false, nil
		}
		o := opts
		if !terminal(pod) && pod.DeletionTimestamp == nil {
			// A Pending pod might become Ready meanwhile: delete only
			// the version that was judged.
			o = atResourceVersion(opts, pod.ResourceVersion)
		}
		err = s.deleteEvicted(ctx, pods, pod, o)
		if !(apierrors.IsConflict(err) && resourceVersionUnset(opts) && attempt < evictionAttempts) {
			return nil, err == nil, err
		}
	}
}

func canIgnoreBudget(pod *corev1.Pod) bool {
	return terminal(pod) || pod.Status.Phase == corev1.PodPending || pod.DeletionTimestamp != nil
}

// unhealthyMayGo reports whether a pod that is not Ready may be evicted
// without taking a disruption: always under AlwaysAllow, and under the
// default IfHealthyBudget while the budget has all the healthy pods it needs.
func unhealthyMayGo(pdb *policyv1.PodDisruptionBudget) bool {
	if p := pdb.Spec.UnhealthyPodEvictionPolicy; p != nil && *p == policyv1.AlwaysAllow {
		return true
	}
	return pdb.Status.CurrentHealthy >= pdb.Status.DesiredHealthy && pdb.Status.DesiredHealthy > 0
}

// budgetOf is the one budget of the pod's namespace whose selector matches
// the pod's labels, or nil if none does; more than one is a 500, as kube
// answers, since the eviction cannot take from two budgets at once.
func (s *Server) budgetOf(ctx context.Context, pod *corev1.Pod) (*policyv1.PodDisruptionBudget, error) {
	items, _, err := s.store.List(ctx, pdbResource, pod.Namespace, 0)
	if err != nil {
		return nil, err
	}
	var found []*policyv1.PodDisruptionBudget
	for _, item := range items {
		pdb := item.(*policyv1.PodDisruptionBudget)
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil {
			continue // a selector that cannot match, as kube skips it
		}
		// In policy/v1 an empty selector matches every pod; a nil one none.
		if sel.Matches(labels.Set(pod.Labels)) {
			found = append(found, pdb)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	}
	return nil, &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure,
		Code: http.StatusInternalServerError, Message: msgManyBudgets}}
}

// takeDisruption takes one disruption from pdb for the pod, reading the
// budget again each time another writer (the controller, another
// eviction) won the race for it.
func (s *Server) takeDisruption(ctx context.Context, pod *corev1.Pod, pdb *policyv1.PodDisruptionBudget, dryRun bool) error {
	for attempt := 1; ; attempt++ {
		err := s.checkAndDecrement(ctx, pod.Name, pdb, dryRun)
		if !(apierrors.IsConflict(err) && attempt < evictionAttempts) {
			return err
		}
		obj, err := s.store.Get(ctx, pdbResource, pdb.Namespace, pdb.Name)
		if err != nil {
			return err
		}
		pdb = obj.(*policyv1.PodDisruptionBudget)
	}
}

// checkAndDecrement is kube's: a budget the controller has not seen at
// its generation, or with no disruption left, answers 429 (kubectl drain
// retries it); else one disruption is taken and the pod recorded as
// disrupted, in one write at the budget's resourceVersion.
func (s *Server) checkAndDecrement(ctx context.Context, podName string, pdb *policyv1.PodDisruptionBudget, dryRun bool) error {
	st := &pdb.Status
	switch {
	case st.ObservedGeneration < pdb.Generation:
		return tooManyRequests(10, fmt.Sprintf("The disruption budget %s is still being processed by the server.", pdb.Name))
	case st.DisruptionsAllowed < 0:
		return apierrors.NewForbidden(pdbGroupResource, pdb.Name, fmt.Errorf("pdb disruptions allowed is negative"))
	case len(st.DisruptedPods) > maxDisruptedPods:
		return apierrors.NewForbidden(pdbGroupResource, pdb.Name, fmt.Errorf("DisruptedPods map too big - too many evictions not confirmed by PDB controller"))
	case st.DisruptionsAllowed == 0:
		return tooManyRequests(0, fmt.Sprintf("The disruption budget %s needs %d healthy pods and has %d currently", pdb.Name, st.DesiredHealthy, st.CurrentHealthy))
	}
	next := pdb.DeepCopy()
	next.Status.DisruptionsAllowed--
	if next.Status.DisruptionsAllowed == 0 {
		disruption.SetAllowedCondition(next)
	}
	if dryRun {
		return nil
	}
	if next.Status.DisruptedPods == nil {
		next.Status.DisruptedPods = map[string]metav1.Time{}
	}
	// The controller counts the pod as gone from now on; if it is not
	// deleted within the controller's timeout, it counts again.
	next.Status.DisruptedPods[podName] = metav1.NewTime(time.Now())
	_, err := s.store.Update(ctx, pdbResource, next)
	return err
}

// tooManyRequests is the 429 of a budget that allows no eviction now, with
// the DisruptionBudget cause that says why.
func tooManyRequests(retryAfter int, cause string) error {
	err := apierrors.NewTooManyRequests(msgViolatesBudget, retryAfter)
	err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes,
		metav1.StatusCause{Type: policyv1.DisruptionBudgetCause, Message: cause})
	return err
}

// deleteEvicted marks the pod with the DisruptionTarget condition, so its
// owner and its users can tell an eviction from a crash, then deletes it
// with the eviction's options (its grace period, its preconditions).
func (s *Server) deleteEvicted(ctx context.Context, pods api.Resource, pod *corev1.Pod, opts *metav1.DeleteOptions) error {
	if len(opts.DryRun) == 0 {
		marked, err := s.markDisruptionTarget(ctx, pods, pod, opts.Preconditions)
		if err != nil {
			return err
		}
		if !resourceVersionUnset(opts) {
			// The mark is this eviction's own write: the precondition,
			// checked before it, holds at its version.
			opts = withResourceVersion(opts, marked.ResourceVersion)
		}
	}
	_, err := s.deleteNamed(ctx, pods, pod.Namespace, pod.Name, opts)
	return err
}

// markDisruptionTarget sets the pod's DisruptionTarget condition, as kube's
// addConditionAndDeletePod does, on the newest version of the pod that
// still meets the eviction's preconditions.
func (s *Server) markDisruptionTarget(ctx context.Context, pods api.Resource, pod *corev1.Pod, pre *metav1.Preconditions) (*corev1.Pod, error) {
	for attempt := 1; ; attempt++ {
		if err := checkPreconditions(pods, pod, pre); err != nil {
			return nil, err
		}
		next := pod.DeepCopy()
		setPodCondition(&next.Status, corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
			Reason: evictionCondReason, Message: evictionCondMsg})
		updated, err := s.store.Update(ctx, pods, next)
		if err == nil {
			return updated.(*corev1.Pod), nil
		}
		if !(apierrors.IsConflict(err) && attempt < evictionAttempts) {
			return nil, err
		}
		obj, err := s.store.Get(ctx, pods, pod.Namespace, pod.Name)
		if err != nil {
			return nil, err
		}
		pod = obj.(*corev1.Pod)
	}
}

func resourceVersionUnset(opts *metav1.DeleteOptions) bool {
	return opts.Preconditions == nil || opts.Preconditions.ResourceVersion == nil
}

// atResourceVersion is opts with the precondition that the pod is still at
// rv, unless the client set a resourceVersion of its own, which is honoured.
func atResourceVersion(opts *metav1.DeleteOptions, rv string) *metav1.DeleteOptions {
	if !resourceVersionUnset(opts) {
		return opts
	}
	return withResourceVersion(opts, rv)
}

func withResourceVersion(opts *metav1.DeleteOptions, rv string) *metav1.DeleteOptions {
	o := opts.DeepCopy()
	if o.Preconditions == nil {
		o.Preconditions = &metav1.Preconditions{}
	}
	o.Preconditions.ResourceVersion = &rv
	return o
}
