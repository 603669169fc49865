package snapshot_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/scheduler/snapshot"
)

// These test the given helpers, the same in solutions and exercises.

func container(cpu, memory string) corev1.Container {
	r := corev1.ResourceList{}
	if cpu != "" {
		r[corev1.ResourceCPU] = resource.MustParse(cpu)
	}
	if memory != "" {
		r[corev1.ResourceMemory] = resource.MustParse(memory)
	}
	return corev1.Container{Resources: corev1.ResourceRequirements{Requests: r}}
}

func sidecar(cpu, memory string) corev1.Container {
	c := container(cpu, memory)
	c.RestartPolicy = new(corev1.ContainerRestartPolicyAlways)
	return c
}

const mi = 1024 * 1024

func TestPodRequestsCountsInitContainersAsKubeDoes(t *testing.T) {
	for _, tc := range []struct {
		name       string
		containers []corev1.Container
		inits      []corev1.Container
		overhead   corev1.ResourceList
		want       snapshot.Resources
	}{
		{"containers add up", []corev1.Container{container("100m", "64Mi"), container("200m", "")}, nil, nil,
			snapshot.Resources{MilliCPU: 300, Memory: 64 * mi}},
		{"an init container larger than the app wins", []corev1.Container{container("100m", "64Mi")},
			[]corev1.Container{container("1", "32Mi")}, nil, snapshot.Resources{MilliCPU: 1000, Memory: 64 * mi}},
		{"init containers run one at a time", []corev1.Container{container("100m", "")},
			[]corev1.Container{container("500m", ""), container("700m", "")}, nil, snapshot.Resources{MilliCPU: 700}},
		{"sidecars run beside the app", []corev1.Container{container("100m", "")},
			[]corev1.Container{sidecar("200m", "")}, nil, snapshot.Resources{MilliCPU: 300}},
		{"an init container runs beside the sidecars started before it", []corev1.Container{container("100m", "")},
			[]corev1.Container{sidecar("200m", ""), container("1", "")}, nil, snapshot.Resources{MilliCPU: 1200}},
		{"overhead is added", []corev1.Container{container("100m", "")}, nil,
			corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m")}, snapshot.Resources{MilliCPU: 150}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: tc.containers, InitContainers: tc.inits, Overhead: tc.overhead}}
			if got := snapshot.PodRequests(pod); got != tc.want {
				t.Fatalf("PodRequests = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestNewPodInfoDefaultsWhatScoringCounts(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{
			{UID: "not-the-controller"}, {UID: "rs", Controller: new(true)},
		}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{container("", ""), container("1", "")}},
	}
	info := snapshot.NewPodInfo(pod)
	want := snapshot.Resources{MilliCPU: snapshot.DefaultMilliCPURequest + 1000, Memory: 2 * snapshot.DefaultMemoryRequest}
	if info.NonZeroRequests != want || info.Requests != (snapshot.Resources{MilliCPU: 1000}) || info.Owner != "rs" {
		t.Fatalf("PodInfo requests %+v, non-zero %+v, owner %q", info.Requests, info.NonZeroRequests, info.Owner)
	}
}

func TestNodeInfoCountsEachPodOnce(t *testing.T) {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}, Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("1Gi"), corev1.ResourcePods: resource.MustParse("10"),
	}}}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{UID: "p", OwnerReferences: []metav1.OwnerReference{{UID: "rs", Controller: new(true)}}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{container("500m", "100Mi")}},
	}
	pod.Spec.Containers[0].Ports = []corev1.ContainerPort{{HostPort: 80, Protocol: corev1.ProtocolTCP}}
	n := snapshot.NewNodeInfo(node)
	if n.Allocatable != (snapshot.Resources{MilliCPU: 2000, Memory: 1024 * mi}) || n.AllowedPods != 10 || n.Name() != "n" {
		t.Fatalf("allocatable %+v, pods %d, name %q", n.Allocatable, n.AllowedPods, n.Name())
	}
	n.AddPod(snapshot.NewPodInfo(pod))
	n.AddPod(snapshot.NewPodInfo(pod)) // an update of the same pod
	port := snapshot.HostPort{Protocol: corev1.ProtocolTCP, Port: 80}
	if n.NumPods() != 1 || n.Requested != (snapshot.Resources{MilliCPU: 500, Memory: 100 * mi}) || n.UsedPorts[port] != 1 || n.OwnedPods("rs") != 1 {
		t.Fatalf("after adding one pod twice: %d pods, requested %+v, ports %v, owned %d", n.NumPods(), n.Requested, n.UsedPorts, n.OwnedPods("rs"))
	}
	if !n.RemovePod("p") || n.RemovePod("p") {
		t.Fatal("RemovePod should report the pod once")
	}
	if n.NumPods() != 0 || n.Requested != (snapshot.Resources{}) || len(n.UsedPorts) != 0 || n.OwnedPods("rs") != 0 {
		t.Fatalf("after removing it: %d pods, requested %+v, ports %v, owned %d", n.NumPods(), n.Requested, n.UsedPorts, n.OwnedPods("rs"))
	}
}
