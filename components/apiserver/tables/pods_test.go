package tables

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// pod builds a pod with one app container per status given (or one container if none).
func pod(phase corev1.PodPhase, statuses ...corev1.ContainerStatus) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: objectMeta("web", 10*time.Minute), Status: corev1.PodStatus{Phase: phase, ContainerStatuses: statuses}}
	p.Spec.Containers = []corev1.Container{{Name: "app", Image: "echo"}}
	for i := 1; i < len(statuses); i++ {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: statuses[i].Name})
	}
	return p
}

func status(name string, state corev1.ContainerState, ready bool) corev1.ContainerStatus {
	return corev1.ContainerStatus{Name: name, State: state, Ready: ready}
}

func withCondition(p *corev1.Pod, t corev1.PodConditionType, s corev1.ConditionStatus) *corev1.Pod {
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: t, Status: s})
	return p
}

func withInit(p *corev1.Pod, statuses ...corev1.ContainerStatus) *corev1.Pod {
	for _, s := range statuses {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: s.Name})
	}
	p.Status.InitContainerStatuses = statuses
	return p
}

func TestPrintPod(t *testing.T) {
	crashing := status("app", waiting("CrashLoopBackOff"), false)
	crashing.RestartCount = 4
	crashing.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, FinishedAt: ago(30 * time.Second)}

	runningPod := withCondition(pod(corev1.PodRunning, status("app", running(), true)), corev1.PodReady, corev1.ConditionTrue)
	runningPod.Spec.NodeName = "node-1"
	runningPod.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.5"}}

	terminating := pod(corev1.PodRunning, status("app", running(), true))
	terminating.DeletionTimestamp = agoPtr(time.Second)

	nodeLost := pod(corev1.PodRunning, status("app", running(), true))
	nodeLost.DeletionTimestamp, nodeLost.Status.Reason = agoPtr(time.Minute), "NodeLost"

	finishedThenDeleted := pod(corev1.PodSucceeded, status("app", terminated("Completed", 0, 0), false))
	finishedThenDeleted.DeletionTimestamp = agoPtr(time.Second)

	evicted := pod(corev1.PodFailed)
	evicted.Status.Reason = "Evicted"

	gated := pod(corev1.PodPending)
	gated.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "SchedulingGated"}}

	always := corev1.ContainerRestartPolicyAlways
	started := true
	sidecar := withInit(withCondition(pod(corev1.PodRunning, status("app", running(), true)), corev1.PodInitialized, corev1.ConditionTrue),
		corev1.ContainerStatus{Name: "proxy", State: running(), Ready: true, Started: &started, RestartCount: 1})
	sidecar.Spec.InitContainers[0].RestartPolicy = &always

	gates := withCondition(pod(corev1.PodRunning, status("app", running(), true)), "example.com/lb", corev1.ConditionTrue)
	gates.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/lb"}, {ConditionType: "example.com/dns"}}
	gates.Status.NominatedNodeName = "node-2"
	gates.Status.PodIP = "10.0.0.7" // no podIPs: podIP stands in

	tests := []struct {
		name string
		pod  *corev1.Pod
		want []interface{}
	}{
		{"pending, not scheduled", pod(corev1.PodPending),
			cells("web", "0/1", "Pending", "0", "10m", "<none>", "<none>", "<none>", "<none>")},
		{"running 1/1", runningPod,
			cells("web", "1/1", "Running", "0", "10m", "10.0.0.5", "node-1", "<none>", "<none>")},
		{"crash loop with restarts", pod(corev1.PodRunning, crashing),
			cells("web", "0/1", "CrashLoopBackOff", "4 (30s ago)", "10m")},
		{"image never pulled", pod(corev1.PodPending, status("app", waiting("ErrImageNeverPull"), false)),
			cells("web", "0/1", "ErrImageNeverPull", "0")},
		{"completed", pod(corev1.PodSucceeded, status("app", terminated("Completed", 0, 0), false)),
			cells("web", "0/1", "Completed", "0")},
		{"killed by a signal", pod(corev1.PodFailed, status("app", terminated("", 137, 9), false)),
			cells("web", "0/1", "Signal:9")},
		{"exited without a reason", pod(corev1.PodFailed, status("app", terminated("", 2, 0), false)),
			cells("web", "0/1", "ExitCode:2")},
		{"terminating", terminating, cells("web", "1/1", "Terminating")},
		{"node lost", nodeLost, cells("web", "1/1", "Unknown")},
		{"finished before deletion stays Completed", finishedThenDeleted, cells("web", "0/1", "Completed")},
		{"evicted", evicted, cells("web", "0/1", "Evicted")},
		{"scheduling gated", gated, cells("web", "0/1", "SchedulingGated")},
		{"init 0/1 running", withInit(pod(corev1.PodPending, status("app", waiting("PodInitializing"), false)),
			status("setup", running(), false)),
			cells("web", "0/1", "Init:0/1", "0")},
		{"init 1/2", withInit(pod(corev1.PodPending, status("app", waiting("PodInitializing"), false)),
			status("first", terminated("Completed", 0, 0), false), status("second", waiting("PodInitializing"), false)),
			cells("web", "0/1", "Init:1/2")},
		{"init container crash looping", withInit(pod(corev1.PodPending), status("setup", waiting("CrashLoopBackOff"), false)),
			cells("web", "0/1", "Init:CrashLoopBackOff")},
		{"init container failed", withInit(pod(corev1.PodPending), status("setup", terminated("", 1, 0), false)),
			cells("web", "0/1", "Init:ExitCode:1")},
		{"init container failed with reason", withInit(pod(corev1.PodFailed), status("setup", terminated("Error", 1, 0), false)),
			cells("web", "0/1", "Init:Error")},
		{"one container done, one running, not ready",
			pod(corev1.PodRunning, status("app", terminated("Completed", 0, 0), false), status("side", running(), true)),
			cells("web", "1/2", "NotReady")},
		{"one container done, one running, ready",
			withCondition(pod(corev1.PodRunning, status("app", terminated("Completed", 0, 0), false), status("side", running(), true)),
				corev1.PodReady, corev1.ConditionTrue),
			cells("web", "1/2", "Running")},
		{"sidecar counts as a container", sidecar, cells("web", "2/2", "Running", "1")},
		{"readiness gates and nominated node", gates,
			cells("web", "1/1", "Running", "0", "10m", "10.0.0.7", "<none>", "node-2", "1/2")},
	}
	columns := printers[podsGR].columns
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCells(t, columns, printPod(tt.pod, now), tt.want)
		})
	}
}

func TestPodRowConditions(t *testing.T) {
	table, err := Convert(podsResource(t), objects(pod(corev1.PodSucceeded), pod(corev1.PodRunning)), metav1.IncludeNone, now)
	if err != nil {
		t.Fatal(err)
	}
	if c := table.Rows[0].Conditions; len(c) != 1 || c[0].Type != metav1.RowCompleted || c[0].Reason != "Succeeded" {
		t.Errorf("succeeded pod: row conditions %+v, want Completed", c)
	}
	if c := table.Rows[1].Conditions; c != nil {
		t.Errorf("running pod: row conditions %+v, want none", c)
	}
}
