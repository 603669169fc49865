package scheduling

import (
	"context"
	"fmt"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"

	"github.com/ownkube/ownkube/e2e/framework"
)

// schedulingLabels are the labels of every spec here.
var schedulingLabels = Label("scheduling", "stage5")

const (
	// specTimeout bounds a whole spec: a few pods started and removed on a
	// loaded machine.
	specTimeout = 3 * time.Minute
	// decisionTimeout bounds the wait for the scheduler's verdict on a pod
	// it cannot place, retries with back-off included.
	decisionTimeout = 30 * time.Second
	// quietPeriod is how long a pod that no node can take is watched not
	// being bound.
	quietPeriod = 3 * time.Second
)

// create creates pod in namespace ns.
func create(ctx context.Context, ns string, pod *corev1.Pod) *corev1.Pod {
	GinkgoHelper()
	created, err := framework.Client().CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create pod %s/%s", ns, pod.Name)
	return created
}

// waitRunning waits until pod ns/name is bound and Running with an IP.
func waitRunning(ctx context.Context, ns, name string) *corev1.Pod {
	GinkgoHelper()
	return framework.WaitForPod(ctx, ns, name, framework.PodStartTimeout, "scheduled and Running with an IP",
		func(g Gomega, pod *corev1.Pod) {
			g.Expect(pod.Spec.NodeName).NotTo(BeEmpty(), "not scheduled: %s", framework.DescribePod(pod))
			g.Expect(pod.Status.Phase).To(Equal(corev1.PodRunning), framework.DescribePod(pod))
			g.Expect(pod.Status.PodIP).NotTo(BeEmpty(), framework.DescribePod(pod))
		})
}

// waitUnschedulable waits until the scheduler has marked pod ns/name
// PodScheduled=False with reason Unschedulable and a message that contains
// every one of parts.
func waitUnschedulable(ctx context.Context, ns, name string, parts ...string) *corev1.Pod {
	GinkgoHelper()
	return framework.WaitForPod(ctx, ns, name, decisionTimeout, "PodScheduled=False, Unschedulable",
		func(g Gomega, pod *corev1.Pod) {
			c := framework.PodCondition(pod, corev1.PodScheduled)
			g.Expect(c).NotTo(BeNil(), "no PodScheduled condition: %s", framework.DescribePod(pod))
			g.Expect(c.Status).To(Equal(corev1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(corev1.PodReasonUnschedulable))
			for _, part := range parts {
				g.Expect(c.Message).To(ContainSubstring(part))
			}
		})
}

// expectStaysPending checks that pod ns/name stays unbound and Pending.
func expectStaysPending(ctx context.Context, ns, name string) {
	GinkgoHelper()
	Consistently(ctx, func(g Gomega) {
		pod, err := framework.Client().CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(pod.Spec.NodeName).To(BeEmpty(), "the pod should not be bound")
		g.Expect(pod.Status.Phase).To(Equal(corev1.PodPending))
	}).WithTimeout(quietPeriod).WithPolling(framework.Poll).Should(Succeed(), "pod %s/%s should stay Pending, bound to no node", ns, name)
}

// expectFailedSchedulingEvent waits for a Warning FailedScheduling event
// about pod ns/name whose message contains part.
func expectFailedSchedulingEvent(ctx context.Context, ns, name, part string) {
	GinkgoHelper()
	Eventually(ctx, func(g Gomega) {
		framework.StopIfNotImplemented(ctx, ns, "a FailedScheduling event about pod "+ns+"/"+name)
		events, err := framework.Client().CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(events.Items).To(ContainElement(And(
			HaveField("InvolvedObject.Kind", "Pod"),
			HaveField("InvolvedObject.Name", name),
			HaveField("Type", corev1.EventTypeWarning),
			HaveField("Reason", "FailedScheduling"),
			HaveField("Message", ContainSubstring(part)),
		)))
	}).WithTimeout(decisionTimeout).WithPolling(framework.Poll).Should(Succeed(),
		"waiting for a Warning event FailedScheduling about pod %s/%s saying %q", ns, name, part)
}

// nodesAvailable is the start of the scheduler's message for a pod that no
// node of the suite's cluster can take.
func nodesAvailable() string {
	return fmt.Sprintf("0/%d nodes are available: ", len(framework.Cluster().Nodes))
}

// nodes are the names of the suite's nodes, sorted.
func nodes() []string {
	names := slices.Clone(framework.Cluster().Nodes)
	slices.Sort(names)
	Expect(len(names)).To(BeNumerically(">=", 2), "these specs need two nodes or more; the cluster has %v", names)
	return names
}

// withNodeSelector sets pod's nodeSelector to kubernetes.io/hostname=node.
func withNodeSelector(pod *corev1.Pod, node string) *corev1.Pod {
	pod.Spec.NodeSelector = map[string]string{corev1.LabelHostname: node}
	return pod
}

// withCPURequest has pod's container request cpu.
func withCPURequest(pod *corev1.Pod, cpu string) *corev1.Pod {
	pod.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}
	return pod
}

// noSuchNode is a node name no node of any cluster has.
func noSuchNode() string { return "e2e-no-such-node-" + utilrand.String(6) }
