package workloads

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

// workloadLabels are the labels of every spec here.
var workloadLabels = Label("workloads", "stage6")

const (
	// specTimeout bounds a spec that starts and removes a few pods.
	specTimeout = 3 * time.Minute
	// rolloutSpecTimeout bounds a spec that rolls a Deployment over.
	rolloutSpecTimeout = 5 * time.Minute
	// countTimeout bounds the wait for a controller to reach a count of
	// running pods: the pods' start on loaded nodes is most of it.
	countTimeout = 2 * time.Minute
	// quietPeriod is how long a state is watched not changing.
	quietPeriod = 3 * time.Second
)

// newNamespace makes the spec's namespace; after the spec its Deployments
// and ReplicaSets are deleted, then its pods, and the pods awaited gone.
func newNamespace(prefix string) string {
	GinkgoHelper()
	ns := framework.NewNamespace(prefix)
	framework.DeletePodsAfterSpec(ns)
	DeferCleanup(func(ctx SpecContext) {
		apps := framework.Client().AppsV1()
		Expect(apps.Deployments(ns).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})).To(Succeed(), "delete the Deployments of %s", ns)
		Expect(apps.ReplicaSets(ns).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})).To(Succeed(), "delete the ReplicaSets of %s", ns)
	}, NodeTimeout(30*time.Second))
	return ns
}

// echoTemplate is a pod template of one echo container labelled app=name,
// ready once its server answers.
func echoTemplate(name string) corev1.PodTemplateSpec {
	pod := framework.EchoPod(name)
	pod.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: intstrPort(framework.EchoPort)}},
		PeriodSeconds: 1,
	}
	pod.Spec.TerminationGracePeriodSeconds = ptr.To[int64](2)
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}}, Spec: pod.Spec}
}

// newReplicaSet is a ReplicaSet of replicas echo pods labelled app=name.
func newReplicaSet(name string, replicas int32) *appsv1.ReplicaSet {
	t := echoTemplate(name)
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: t.Labels},
			Template: t,
		},
	}
}

// controlledPods lists the pods of ns whose controller has uid, not being
// deleted, by name.
func controlledPods(ctx context.Context, g Gomega, ns string, uid types.UID) []corev1.Pod {
	list, err := framework.Client().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	g.Expect(err).NotTo(HaveOccurred(), "list the pods of %s", ns)
	var out []corev1.Pod
	for _, p := range list.Items {
		if ref := metav1.GetControllerOf(&p); ref != nil && ref.UID == uid && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// waitReplicaSet waits until ReplicaSet ns/name controls n Running, Ready
// pods and its status says so for its current generation; it returns
// the pods.
func waitReplicaSet(ctx context.Context, ns, name string, n int) []corev1.Pod {
	GinkgoHelper()
	var pods []corev1.Pod
	Eventually(ctx, func(g Gomega) {
		framework.StopIfNotImplemented(ctx, ns, "replicaset "+ns+"/"+name+" to have its pods")
		rs, err := framework.Client().AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		pods = controlledPods(ctx, g, ns, rs.UID)
		g.Expect(pods).To(HaveLen(n), "pods: %s", describePods(pods))
		for _, p := range pods {
			g.Expect(framework.IsPodReady(&p)).To(BeTrue(), "not Ready: %s", framework.DescribePod(&p))
		}
		s := rs.Status
		g.Expect(s.ObservedGeneration).To(Equal(rs.Generation), "status is of generation %d, the spec's is %d", s.ObservedGeneration, rs.Generation)
		g.Expect([]int32{s.Replicas, s.FullyLabeledReplicas, s.ReadyReplicas, s.AvailableReplicas}).To(Equal([]int32{int32(n), int32(n), int32(n), int32(n)}),
			"status replicas, fullyLabeled, ready, available: %+v", s)
	}).WithTimeout(countTimeout).WithPolling(framework.Poll).Should(Succeed(),
		"waiting for ReplicaSet %s/%s to run %d Ready pods and say so in its status", ns, name, n)
	return pods
}

func describePods(pods []corev1.Pod) string {
	if len(pods) == 0 {
		return "none"
	}
	s := make([]string, len(pods))
	for i := range pods {
		s[i] = framework.DescribePod(&pods[i])
	}
	return strings.Join(s, "; ")
}

// expectEvent checks that an Event of reason about the object named name
// has been recorded in ns, and returns its message.
func expectEvent(ctx context.Context, ns, name, reason string) string {
	GinkgoHelper()
	var msg string
	Eventually(ctx, func(g Gomega) {
		framework.StopIfNotImplemented(ctx, ns, "a "+reason+" event about "+name)
		list, err := framework.Client().CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		var seen []string
		for _, e := range list.Items {
			seen = append(seen, fmt.Sprintf("%s %s: %s", e.InvolvedObject.Name, e.Reason, e.Message))
			if e.InvolvedObject.Name == name && e.Reason == reason {
				msg = e.Message
				return
			}
		}
		g.Expect(seen).To(ContainElement(ContainSubstring(reason)), "no %s event about %s", reason, name)
	}).WithTimeout(30*time.Second).WithPolling(framework.Poll).Should(Succeed(), "waiting for a %s event about %s", reason, name)
	return msg
}

func intstrPort(p int) intstr.IntOrString { return intstr.FromInt32(int32(p)) }
