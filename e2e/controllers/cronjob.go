package controllers

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

var cronJobLabels = Label("stage6", "cronjob")

// firstJobTimeout bounds the wait for the Job of a schedule of every
// minute: up to a minute until the next one, and a loaded machine's delays.
const firstJobTimeout = 75 * time.Second

// crasherCronJob is a CronJob of schedule whose Jobs run one crasher pod
// that exits 0 after 200ms, never restarted.
func crasherCronJob(name, schedule string) *batchv1.CronJob {
	pod := framework.CrasherPod("", corev1.RestartPolicyNever, "0", "200ms")
	return &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: batchv1.CronJobSpec{
			Schedule: schedule,
			JobTemplate: batchv1.JobTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"cronjob": name}},
				Spec:       batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: pod.Spec}},
			},
		},
	}
}

// deleteCronJobsAfterSpec deletes, after the spec, ns's CronJobs and their
// Jobs, before DeletePodsAfterSpec (called earlier) deletes the pods: a
// CronJob left running would start another Job, and its pods, meanwhile.
func deleteCronJobsAfterSpec(ns string) {
	DeferCleanup(func(ctx SpecContext) {
		background := metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground)}
		Expect(framework.Client().BatchV1().CronJobs(ns).DeleteCollection(ctx, background, metav1.ListOptions{})).To(Succeed(),
			"delete the cronjobs of namespace %s", ns)
		Expect(framework.Client().BatchV1().Jobs(ns).DeleteCollection(ctx, background, metav1.ListOptions{})).To(Succeed(),
			"delete the jobs of namespace %s", ns)
	}, NodeTimeout(30*time.Second))
}

// ownedJob waits until a Job controlled by cj exists, and returns it.
func ownedJob(ctx context.Context, cj *batchv1.CronJob) *batchv1.Job {
	GinkgoHelper()
	var job *batchv1.Job
	Eventually(ctx, func(g Gomega) {
		framework.StopIfNotImplemented(ctx, cj.Namespace, "a Job of cronjob "+cj.Name)
		list, err := framework.Client().BatchV1().Jobs(cj.Namespace).List(ctx, metav1.ListOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		for i := range list.Items {
			if metav1.IsControlledBy(&list.Items[i], cj) {
				job = &list.Items[i]
				return
			}
		}
		g.Expect(list.Items).NotTo(BeEmpty(), "no Job yet")
		g.Expect(job).NotTo(BeNil(), "Jobs, none controlled by the CronJob: %+v", list.Items)
	}).WithTimeout(firstJobTimeout).WithPolling(time.Second).Should(Succeed(),
		"waiting for cronjob %s/%s to create a Job at the minute", cj.Namespace, cj.Name)
	return job
}

var _ = Describe("CronJob", cronJobLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("cronjob")
		framework.DeletePodsAfterSpec(ns)
		deleteCronJobsAfterSpec(ns)
	})

	Context("when its schedule comes round every minute", func() {
		It("should create a Job it owns, see it complete, and record both times in its status", func(ctx SpecContext) {
			created, err := framework.Client().BatchV1().CronJobs(ns).Create(ctx, crasherCronJob("tick", "*/1 * * * *"), metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred(), "create cronjob %s/tick", ns)
			Expect(created.Spec.ConcurrencyPolicy).To(Equal(batchv1.AllowConcurrent), "concurrencyPolicy defaults to Allow")
			Expect(*created.Spec.SuccessfulJobsHistoryLimit).To(Equal(int32(3)), "successfulJobsHistoryLimit defaults to 3")

			By("waiting for the minute, and the Job of it")
			job := ownedJob(ctx, created)
			Expect(job.Name).To(MatchRegexp(`^tick-\d+$`), "a Job is named <cronjob>-<minutes since the epoch of its time>")
			Expect(job.Labels).To(HaveKeyWithValue("cronjob", "tick"), "the Job carries the template's labels")
			scheduledAt, err := time.Parse(time.RFC3339, job.Annotations[batchv1.CronJobScheduledTimestampAnnotation])
			Expect(err).NotTo(HaveOccurred(), "the scheduled-timestamp annotation is RFC 3339: %v", job.Annotations)
			Expect(scheduledAt.Second()).To(BeZero(), "the Job is of a whole minute")

			By("waiting for the Job to complete")
			waitForJob(ctx, ns, job.Name, "Complete", func(g Gomega, j *batchv1.Job) {
				g.Expect(jobCondition(j, batchv1.JobComplete)).NotTo(BeNil(), "conditions: %+v, status %+v", j.Status.Conditions, j.Status)
			})

			By("waiting for the CronJob's status to record the run")
			Eventually(ctx, func(g Gomega) {
				cj, err := framework.Client().BatchV1().CronJobs(ns).Get(ctx, "tick", metav1.GetOptions{})
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(cj.Status.LastScheduleTime).NotTo(BeNil(), "status %+v", cj.Status)
				g.Expect(cj.Status.LastSuccessfulTime).NotTo(BeNil(), "status %+v", cj.Status)
				g.Expect(cj.Status.LastScheduleTime.Time).To(BeTemporally(">=", scheduledAt), "the last schedule is the Job's time or a later one")
				for _, ref := range cj.Status.Active {
					g.Expect(ref.Name).NotTo(Equal(job.Name), "a completed Job is no longer active")
				}
			}).WithTimeout(jobTimeout).WithPolling(framework.Poll).Should(Succeed(), "waiting for cronjob %s/tick to note its Job complete", ns)
		}, SpecTimeout(specTimeout))
	})

	// The table is given code: with the reference store this needs no
	// learner code at all (store-only).
	Context("when created and listed with kubectl", Label("kubectl", "store-only"), func() {
		It("should print its schedule as kube prints CronJobs, and be among all", func(ctx SpecContext) {
			kubectl := framework.NewKubectl()
			run := func(args ...string) string {
				GinkgoHelper()
				return kubectl.Run(ctx, append([]string{"-n", ns}, args...)...)
			}
			// New Year's midnight: never due while the spec runs.
			Expect(run("create", "cronjob", "yearly", "--image="+framework.CrasherImage, "--schedule=0 0 1 1 *",
				"--", "/usr/local/bin/crasher", "-code", "0")).To(ContainSubstring("cronjob.batch/yearly created"))
			out := run("get", "cronjobs")
			Expect(out).To(MatchRegexp(`(?m)^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\s*$`), "kube's CronJob columns:\n%s", out)
			Expect(out).To(MatchRegexp(`(?m)^yearly\s+0 0 1 1 \*\s+<none>\s+False\s+0\s+<none>\s+\S+\s*$`), "the CronJob's row:\n%s", out)
			Expect(run("get", "cj", "-o", "name")).To(ContainSubstring("cronjob.batch/yearly"), "cj is the short name")
			Expect(run("get", "all", "-o", "name")).To(ContainSubstring("cronjob.batch/yearly"), "CronJobs are in the all category")
		}, SpecTimeout(specTimeout))
	})
})
