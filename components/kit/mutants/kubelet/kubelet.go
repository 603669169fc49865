//go:build solutions && mutants

// Package kubelet holds the mutants of the kubelet's learner regions
// (solutions/kubelet): Plan, ShouldRestart, Status (stage 1) and
// RenewLease, ReadyCondition (stage 4).
package kubelet

import (
	"slices"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/kit/mutant"
	"github.com/ownkube/ownkube/components/kubelet/podstate"
	impl "github.com/ownkube/ownkube/solutions/kubelet"
)

// The signatures of the functions the variants replace.
type (
	PlanFunc           = func(*corev1.Pod, podstate.Pod, podstate.Probes, time.Time, podstate.Policy) ([]podstate.Action, error)
	StatusFunc         = func(*corev1.Pod, podstate.Pod, podstate.Probes, time.Time) (corev1.PodStatus, error)
	ShouldRestartFunc  = func(corev1.RestartPolicy, *podstate.Container) bool
	RenewLeaseFunc     = func(*coordinationv1.Lease, string, time.Time, time.Duration) (*coordinationv1.Lease, error)
	ReadyConditionFunc = func([]corev1.NodeCondition, error, time.Time) (corev1.NodeCondition, error)
)

var (
	skipsSandbox = mutant.Register(mutant.Mutant{Name: "kubelet/plan-skips-sandbox", Package: "kubelet", Stage: 1,
		Description: "Plan never creates the pod's sandbox (pause container)",
		Breaks:      "the app containers have no network namespace to join: no pod ever runs"})
	sandboxLast = mutant.Register(mutant.Mutant{Name: "kubelet/plan-sandbox-after-containers", Package: "kubelet", Stage: 1,
		Description: "Plan starts the containers before it creates the sandbox",
		Breaks:      "containers start before the network namespace they join exists"})
	restartsNever = mutant.Register(mutant.Mutant{Name: "kubelet/restarts-never-pods", Package: "kubelet", Stage: 1,
		Description: "ShouldRestart (and so Plan and Status) restarts containers of restartPolicy Never pods",
		Breaks:      "a Never pod that exits runs again instead of ending Succeeded or Failed"})
	statusPending = mutant.Register(mutant.Mutant{Name: "kubelet/status-stays-pending", Package: "kubelet", Stage: 1,
		Description: "Status never reports the phase: it stays as the API server stored it (Pending)",
		Breaks:      "a running pod never shows Running, Succeeded or Failed"})
	noTransitionTime = mutant.Register(mutant.Mutant{Name: "kubelet/status-without-transition-time", Package: "kubelet", Stage: 1,
		Description: "Status sets its conditions without lastTransitionTime",
		Breaks:      "nobody can tell since when a pod is Ready (ReplicaSets pick pods to delete by it)"})
	neverRenews = mutant.Register(mutant.Mutant{Name: "kubelet/lease-never-renewed", Package: "kubelet", Stage: 4,
		Description: "RenewLease creates the node's Lease but never moves its renewTime",
		Breaks:      "the node lifecycle controller sees a silent node and evicts its pods"})
	flipsTransition = mutant.Register(mutant.Mutant{Name: "kubelet/ready-flips-transition-time", Package: "kubelet", Stage: 4,
		Description: "ReadyCondition sets lastTransitionTime to now on every heartbeat",
		Breaks:      "the node seems to change readiness at every heartbeat"})
)

// Plan, ShouldRestart, Status, RenewLease and ReadyCondition hold each
// function's variants, by mutant name.
var (
	Plan = map[string]PlanFunc{
		skipsSandbox.Name:  planSkippingSandbox,
		sandboxLast.Name:   planSandboxLast,
		restartsNever.Name: planRestartingNever,
	}
	ShouldRestart = map[string]ShouldRestartFunc{
		restartsNever.Name: func(_ corev1.RestartPolicy, c *podstate.Container) bool {
			return impl.ShouldRestart(corev1.RestartPolicyAlways, c)
		},
	}
	Status = map[string]StatusFunc{
		restartsNever.Name:    statusRestartingNever,
		statusPending.Name:    statusStayingPending,
		noTransitionTime.Name: statusWithoutTransitionTime,
	}
	RenewLease = map[string]RenewLeaseFunc{
		neverRenews.Name: renewNever,
	}
	ReadyCondition = map[string]ReadyConditionFunc{
		flipsTransition.Name: readyFlipping,
	}
)

// planSkippingSandbox is Plan without its CreateSandbox.
func planSkippingSandbox(pod *corev1.Pod, observed podstate.Pod, probes podstate.Probes, now time.Time, policy podstate.Policy) ([]podstate.Action, error) {
	actions, err := impl.Plan(pod, observed, probes, now, policy)
	return slices.DeleteFunc(actions, func(a podstate.Action) bool { _, ok := a.(podstate.CreateSandbox); return ok }), err
}

// planSandboxLast moves Plan's CreateSandbox after its StartContainers.
func planSandboxLast(pod *corev1.Pod, observed podstate.Pod, probes podstate.Probes, now time.Time, policy podstate.Policy) ([]podstate.Action, error) {
	actions, err := impl.Plan(pod, observed, probes, now, policy)
	if i := slices.IndexFunc(actions, func(a podstate.Action) bool { _, ok := a.(podstate.CreateSandbox); return ok }); i >= 0 {
		actions = append(slices.Delete(actions, i, i+1), podstate.CreateSandbox{})
	}
	return actions, err
}

// restartingNever is pod as a ShouldRestart that ignores Never sees it.
func restartingNever(pod *corev1.Pod) *corev1.Pod {
	if pod == nil || pod.Spec.RestartPolicy != corev1.RestartPolicyNever {
		return pod
	}
	cp := pod.DeepCopy()
	cp.Spec.RestartPolicy = corev1.RestartPolicyAlways
	return cp
}

func planRestartingNever(pod *corev1.Pod, observed podstate.Pod, probes podstate.Probes, now time.Time, policy podstate.Policy) ([]podstate.Action, error) {
	return impl.Plan(restartingNever(pod), observed, probes, now, policy)
}

func statusRestartingNever(pod *corev1.Pod, observed podstate.Pod, probes podstate.Probes, now time.Time) (corev1.PodStatus, error) {
	return impl.Status(restartingNever(pod), observed, probes, now)
}

// statusStayingPending is Status with the phase left as it was stored.
func statusStayingPending(pod *corev1.Pod, observed podstate.Pod, probes podstate.Probes, now time.Time) (corev1.PodStatus, error) {
	status, err := impl.Status(pod, observed, probes, now)
	status.Phase = pod.Status.Phase
	return status, err
}

// statusWithoutTransitionTime is Status with every condition's
// lastTransitionTime left zero.
func statusWithoutTransitionTime(pod *corev1.Pod, observed podstate.Pod, probes podstate.Probes, now time.Time) (corev1.PodStatus, error) {
	status, err := impl.Status(pod, observed, probes, now)
	for i := range status.Conditions {
		if status.Conditions[i].Type != corev1.PodScheduled {
			status.Conditions[i].LastTransitionTime = metav1.Time{}
		}
	}
	return status, err
}

// renewNever keeps a stored Lease's renewTime as it was.
func renewNever(lease *coordinationv1.Lease, node string, now time.Time, duration time.Duration) (*coordinationv1.Lease, error) {
	renewed, err := impl.RenewLease(lease, node, now, duration)
	if lease != nil && renewed != nil {
		renewed.Spec.RenewTime = lease.Spec.RenewTime.DeepCopy()
	}
	return renewed, err
}

// readyFlipping stamps every Ready condition as a transition.
func readyFlipping(conditions []corev1.NodeCondition, runtimeErr error, now time.Time) (corev1.NodeCondition, error) {
	c, err := impl.ReadyCondition(conditions, runtimeErr, now)
	c.LastTransitionTime = metav1.Time{Time: now}
	return c, err
}
