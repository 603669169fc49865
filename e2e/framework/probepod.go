package framework

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/images"
)

// ProbeImage is the probe CLI (components/images/probe) as a pod's image:
// the tag the suite's bring-up built.
func ProbeImage() string {
	image, err := images.Tag("probe", defaultImpl)
	Expect(err).NotTo(HaveOccurred())
	return image
}

// ProbePod is a pod named name whose one container, "probe", runs the
// probe once with args (say `dns web -want 10.1.128.20`) and is not
// restarted: the pod Succeeds if the probe got the answer expected.
func ProbePod(name string, args ...string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "probe", Image: ProbeImage(), Args: args}},
		},
	}
}

// AwaitProbePod waits up to PodStartTimeout plus timeout for the probe pod
// ns/name (a ProbePod, created) to finish, and returns what the probe
// printed (stdout and stderr, as pods/log has them) and its exit code.
// Checks that depend on what a pod sees, its resolv.conf say, run this way;
// create several pods first and await them after, and they run at once.
func AwaitProbePod(ctx context.Context, ns, name string, timeout time.Duration) (output string, exitCode int) {
	GinkgoHelper()
	pods := Client().CoreV1().Pods(ns)
	done := WaitForPod(ctx, ns, name, PodStartTimeout+timeout, "the probe to finish (Succeeded or Failed)",
		func(g Gomega, p *corev1.Pod) {
			g.Expect(p.Status.Phase).To(BeElementOf(corev1.PodSucceeded, corev1.PodFailed), DescribePod(p))
		})
	status := ContainerStatus(done, "probe")
	Expect(status).NotTo(BeNil(), "probe pod %s has no status of its container: %s", name, DescribePod(done))
	Expect(status.State.Terminated).NotTo(BeNil(), "probe pod %s finished but its container did not: %s", name, DescribePod(done))
	out, err := pods.GetLogs(name, &corev1.PodLogOptions{Container: "probe"}).DoRaw(ctx)
	Expect(err).NotTo(HaveOccurred(), "read the output of probe pod %s/%s", ns, name)
	return string(out), int(status.State.Terminated.ExitCode)
}
