package controllers

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

var jobLabels = Label("stage6", "job")

// jobTimeout bounds a Job's run: a few short pods, one after another.
const jobTimeout = 90 * time.Second

// crasherJob is a Job of completions and parallelism whose pods run the
// crasher, exiting with exitCode after 200ms, never restarted.
func crasherJob(name string, completions, parallelism int32, exitCode string) *batchv1.Job {
	pod := framework.CrasherPod("", corev1.RestartPolicyNever, exitCode, "200ms")
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.JobSpec{
			Completions: ptr.To(completions),
			Parallelism: ptr.To(parallelism),
			Template:    corev1.PodTemplateSpec{Spec: pod.Spec},
		},
	}
}

func createJob(ctx context.Context, ns string, job *batchv1.Job) *batchv1.Job {
	GinkgoHelper()
	created, err := framework.Client().BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create job %s/%s", ns, job.Name)
	return created
}

// waitForJob gets job ns/name until check passes.
func waitForJob(ctx context.Context, ns, name string, awaited string, check func(g Gomega, job *batchv1.Job)) *batchv1.Job {
	GinkgoHelper()
	var job *batchv1.Job
	Eventually(ctx, func(g Gomega) {
		framework.StopIfNotImplemented(ctx, ns, "job "+name+"")
		j, err := framework.Client().BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		check(g, j)
		job = j
	}).WithTimeout(jobTimeout).WithPolling(framework.Poll).Should(Succeed(), "waiting for job %s/%s: %s", ns, name, awaited)
	return job
}

func jobCondition(job *batchv1.Job, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range job.Status.Conditions {
		if c := &job.Status.Conditions[i]; c.Type == t && c.Status == corev1.ConditionTrue {
			return c
		}
	}
	return nil
}

// jobPods lists the pods of job by its generated selector.
func jobPods(ctx context.Context, job *batchv1.Job) []corev1.Pod {
	GinkgoHelper()
	sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector)
	Expect(err).NotTo(HaveOccurred())
	list, err := framework.Client().CoreV1().Pods(job.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	Expect(err).NotTo(HaveOccurred())
	return list.Items
}

var _ = Describe("Job", jobLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("job")
		framework.DeletePodsAfterSpec(ns)
	})

	Context("when its pods succeed", func() {
		It("should run them to its completions, parallelism at a time, and be Complete", func(ctx SpecContext) {
			created := createJob(ctx, ns, crasherJob("succeeds", 3, 2, "0"))
			Expect(created.Spec.Selector.MatchLabels).To(HaveKeyWithValue(batchv1.ControllerUidLabel, string(created.UID)),
				"the generated selector matches the Job's UID")
			Expect(created.Spec.Template.Labels).To(And(HaveKeyWithValue("job-name", "succeeds"),
				HaveKeyWithValue("controller-uid", string(created.UID)), HaveKeyWithValue(batchv1.JobNameLabel, "succeeds")))
			Expect(*created.Spec.BackoffLimit).To(Equal(int32(6)), "backoffLimit defaults to 6")

			var mostActive int32
			job := waitForJob(ctx, ns, "succeeds", "Complete with 3 succeeded", func(g Gomega, j *batchv1.Job) {
				mostActive = max(mostActive, j.Status.Active)
				g.Expect(jobCondition(j, batchv1.JobComplete)).NotTo(BeNil(), "conditions: %+v, status %+v", j.Status.Conditions, j.Status)
			})
			Expect(mostActive).To(BeNumerically("<=", 2), "never more pods active than parallelism")
			Expect(job.Status.Succeeded).To(Equal(int32(3)))
			Expect(job.Status.Active).To(BeZero())
			Expect(job.Status.Failed).To(BeZero())
			Expect(job.Status.StartTime).NotTo(BeNil())
			Expect(job.Status.CompletionTime).NotTo(BeNil(), "a Complete Job has its completion time")
			Expect(jobCondition(job, batchv1.JobSuccessCriteriaMet)).NotTo(BeNil(), "kube 1.31+ writes SuccessCriteriaMet before Complete")
			Expect(jobCondition(job, batchv1.JobComplete).Reason).To(Equal("CompletionsReached"))

			pods := jobPods(ctx, job)
			Expect(pods).To(HaveLen(3), "one pod per completion, none more")
			for _, p := range pods {
				Expect(p.Status.Phase).To(Equal(corev1.PodSucceeded), framework.DescribePod(&p))
				Expect(metav1.IsControlledBy(&p, job)).To(BeTrue(), "pod %s should be controlled by the Job", p.Name)
			}
		}, SpecTimeout(specTimeout))
	})

	Context("when its pods fail", func() {
		It("should stop at backoffLimit failures and be Failed with BackoffLimitExceeded", func(ctx SpecContext) {
			j := crasherJob("fails", 1, 1, "1")
			j.Spec.BackoffLimit = ptr.To[int32](2)
			createJob(ctx, ns, j)
			job := waitForJob(ctx, ns, "fails", "Failed with BackoffLimitExceeded", func(g Gomega, j *batchv1.Job) {
				g.Expect(jobCondition(j, batchv1.JobFailed)).NotTo(BeNil(), "conditions: %+v, status %+v", j.Status.Conditions, j.Status)
			})
			Expect(jobCondition(job, batchv1.JobFailed).Reason).To(Equal("BackoffLimitExceeded"))
			Expect(jobCondition(job, batchv1.JobFailureTarget)).NotTo(BeNil(), "kube 1.31+ writes FailureTarget before Failed")
			Expect(job.Status.Failed).To(Equal(int32(3)), "backoffLimit 2 lets the Job fail 3 times: the third is one too many")
			Expect(job.Status.Succeeded).To(BeZero())
			Expect(job.Status.CompletionTime).To(BeNil(), "a Failed Job has no completion time")
			Consistently(ctx, func(g Gomega) {
				g.Expect(jobPods(ctx, job)).To(HaveLen(3), "a Failed Job creates no more pods")
			}).WithTimeout(3 * time.Second).WithPolling(framework.Poll).Should(Succeed())
		}, SpecTimeout(specTimeout))
	})

	Context("when it runs longer than activeDeadlineSeconds", func() {
		It("should delete its pods and be Failed with DeadlineExceeded", func(ctx SpecContext) {
			j := crasherJob("slow", 1, 1, "0")
			j.Spec.Template.Spec.Containers[0].Env[1].Value = "1h"
			j.Spec.ActiveDeadlineSeconds = ptr.To[int64](3)
			createJob(ctx, ns, j)
			job := waitForJob(ctx, ns, "slow", "Failed with DeadlineExceeded", func(g Gomega, j *batchv1.Job) {
				c := jobCondition(j, batchv1.JobFailed)
				g.Expect(c).NotTo(BeNil(), "conditions: %+v, status %+v", j.Status.Conditions, j.Status)
				g.Expect(c.Reason).To(Equal("DeadlineExceeded"))
			})
			Expect(job.Status.Active).To(BeZero())
			Expect(jobCondition(job, batchv1.JobFailed).LastTransitionTime.Sub(job.Status.StartTime.Time)).To(
				BeNumerically(">=", 2*time.Second), "the Job fails once its 3s deadline has passed, not before")
		}, SpecTimeout(specTimeout))
	})

	Context("when created with kubectl create job", func() {
		It("should run its pod to Complete and print as kube prints Jobs", func(ctx SpecContext) {
			kubectl := framework.NewKubectl()
			run := func(args ...string) string {
				GinkgoHelper()
				return kubectl.Run(ctx, append([]string{"-n", ns}, args...)...)
			}
			Expect(run("create", "job", "hello", "--image="+framework.CrasherImage, "--", "/usr/local/bin/crasher", "-code", "0", "-delay", "200ms")).To(ContainSubstring("job.batch/hello created"))
			waitForJob(ctx, ns, "hello", "Complete", func(g Gomega, j *batchv1.Job) {
				g.Expect(jobCondition(j, batchv1.JobComplete)).NotTo(BeNil(), "conditions: %+v", j.Status.Conditions)
			})
			out := run("get", "jobs")
			Expect(out).To(MatchRegexp(`(?m)^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE`), "kube's Job columns:\n%s", out)
			Expect(out).To(MatchRegexp(`(?m)^hello\s+Complete\s+1/1\s+`), "the Job's row:\n%s", out)
			pods, err := framework.Client().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{
				LabelSelector: labels.SelectorFromSet(labels.Set{"job-name": "hello"}).String()})
			Expect(err).NotTo(HaveOccurred())
			Expect(pods.Items).To(HaveLen(1))
		}, SpecTimeout(specTimeout))
	})
})
