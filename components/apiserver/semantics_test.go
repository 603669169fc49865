package apiserver_test

import (
	"context"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

func newPod(name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "ownkube/echo:1"}, {Name: "d", Image: "ownkube/echo:1"}}},
	}
}

func TestGenerationCountsSpecChangesAndStatusIsItsOwnSubresource(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{}).Client
	pods := c.CoreV1().Pods("default")
	pod, err := pods.Create(ctx, newPod("g", nil), metav1.CreateOptions{})
	must(t, err)
	if pod.Generation != 1 || pod.Status.Phase != corev1.PodPending {
		t.Fatalf("created: generation %d phase %q, want 1 Pending", pod.Generation, pod.Status.Phase)
	}
	pod.Labels = map[string]string{"a": "b"}
	pod.Status.Phase = corev1.PodRunning // ignored: status is not the main resource's
	pod, err = pods.Update(ctx, pod, metav1.UpdateOptions{})
	must(t, err)
	if pod.Generation != 1 || pod.Status.Phase != corev1.PodPending {
		t.Fatalf("after a label change: generation %d phase %q, want 1 Pending", pod.Generation, pod.Status.Phase)
	}
	pod.Spec.Containers[0].Image = "ownkube/echo:2"
	pod, err = pods.Update(ctx, pod, metav1.UpdateOptions{})
	must(t, err)
	if pod.Generation != 2 {
		t.Fatalf("after an image change: generation %d, want 2", pod.Generation)
	}
	pod.Status.Phase = corev1.PodRunning
	pod.Spec.Containers[0].Image = "ignored"
	pod, err = pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	must(t, err)
	if pod.Status.Phase != corev1.PodRunning || pod.Spec.Containers[0].Image != "ownkube/echo:2" || pod.Generation != 2 {
		t.Fatalf("after a status update: phase %q image %q generation %d", pod.Status.Phase, pod.Spec.Containers[0].Image, pod.Generation)
	}
}

func TestPatchesOfEveryKindApply(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{}).Client
	pods := c.CoreV1().Pods("default")
	_, err := pods.Create(ctx, newPod("p", map[string]string{"a": "1"}), metav1.CreateOptions{})
	must(t, err)
	// A strategic merge patch merges containers by name: d keeps its image.
	pod, err := pods.Patch(ctx, "p", types.StrategicMergePatchType,
		[]byte(`{"spec":{"containers":[{"name":"c","image":"ownkube/echo:3"}]}}`), metav1.PatchOptions{})
	must(t, err)
	if len(pod.Spec.Containers) != 2 || pod.Spec.Containers[0].Image != "ownkube/echo:3" || pod.Spec.Containers[1].Image != "ownkube/echo:1" {
		t.Fatalf("strategic merge patch: %+v", pod.Spec.Containers)
	}
	pod, err = pods.Patch(ctx, "p", types.MergePatchType, []byte(`{"metadata":{"labels":{"a":null,"b":"2"}}}`), metav1.PatchOptions{})
	must(t, err)
	if _, ok := pod.Labels["a"]; ok || pod.Labels["b"] != "2" {
		t.Fatalf("merge patch: labels %v", pod.Labels)
	}
	pod, err = pods.Patch(ctx, "p", types.JSONPatchType, []byte(`[{"op":"add","path":"/metadata/annotations","value":{"x":"y"}}]`), metav1.PatchOptions{})
	must(t, err)
	if pod.Annotations["x"] != "y" {
		t.Fatalf("JSON patch: annotations %v", pod.Annotations)
	}
	stale := `{"metadata":{"resourceVersion":"1","labels":{"c":"3"}}}`
	if _, err := pods.Patch(ctx, "p", types.MergePatchType, []byte(stale), metav1.PatchOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("a patch carrying a stale resourceVersion: %v, want Conflict", err)
	}
}

func TestAScheduledPodWaitsForItsNodeUnlessDeletedWithGraceZero(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{}).Client
	pods := c.CoreV1().Pods("default")
	pod := newPod("graceful", nil)
	pod.Spec.NodeName = "node-1"
	_, err := pods.Create(ctx, pod, metav1.CreateOptions{})
	must(t, err)
	must(t, pods.Delete(ctx, "graceful", metav1.DeleteOptions{}))
	got, err := pods.Get(ctx, "graceful", metav1.GetOptions{})
	must(t, err)
	if got.DeletionTimestamp == nil || ptr.Deref(got.DeletionGracePeriodSeconds, -1) != 30 {
		t.Fatalf("after delete: deletionTimestamp %v grace %v, want set and 30", got.DeletionTimestamp, got.DeletionGracePeriodSeconds)
	}
	// What the kubelet does once the containers are gone:
	must(t, pods.Delete(ctx, "graceful", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0), Preconditions: &metav1.Preconditions{UID: &got.UID}}))
	if _, err := pods.Get(ctx, "graceful", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("after the final delete: %v, want NotFound", err)
	}
	_, err = pods.Create(ctx, newPod("unscheduled", nil), metav1.CreateOptions{})
	must(t, err)
	must(t, pods.Delete(ctx, "unscheduled", metav1.DeleteOptions{}))
	if _, err := pods.Get(ctx, "unscheduled", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("an unscheduled pod after delete: %v, want NotFound at once", err)
	}
}

func TestAWatchThroughASelectorSeesObjectsEnterAndLeaveIt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := apiservertest.Start(t, apiservertest.Options{}).Client
	cms := c.CoreV1().ConfigMaps("default")
	cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "sel"}}, metav1.CreateOptions{})
	must(t, err)
	w, err := cms.Watch(ctx, metav1.ListOptions{LabelSelector: "watched=yes", ResourceVersion: cm.ResourceVersion})
	must(t, err)
	defer w.Stop()
	for _, v := range []string{"yes", "no"} {
		cm.Labels = map[string]string{"watched": v}
		cm, err = cms.Update(ctx, cm, metav1.UpdateOptions{})
		must(t, err)
	}
	for _, want := range []watch.EventType{watch.Added, watch.Deleted} {
		select {
		case ev := <-w.ResultChan():
			if ev.Type != want {
				t.Fatalf("got %s, want %s", ev.Type, want)
			}
		case <-ctx.Done():
			t.Fatalf("no %s event", want)
		}
	}
}

func TestAJobWithAGeneratedNameLabelsItsPodsWithThatName(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{}).Client
	job, err := c.BatchV1().Jobs("default").Create(ctx, &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "once-"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
			Containers: []corev1.Container{{Name: "app", Image: "ownkube/crasher"}}}}},
	}, metav1.CreateOptions{})
	must(t, err)
	if !strings.HasPrefix(job.Name, "once-") || len(job.Name) != len("once-")+5 {
		t.Fatalf("generated name %q, want once- and 5 characters", job.Name)
	}
	for _, l := range []string{"job-name", batchv1.JobNameLabel} {
		if got := job.Spec.Template.Labels[l]; got != job.Name {
			t.Errorf("template label %s = %q, want the generated name %q", l, got, job.Name)
		}
	}
}

func TestACronJobIsServedDefaultedAndRefusedWithTheFieldAtFault(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{}).Client
	cronJobs := c.BatchV1().CronJobs("default")
	cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "tick"}, Spec: batchv1.CronJobSpec{Schedule: "@hourly",
		JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "app", Image: "ownkube/crasher"}}}}}}}}

	bad := cj.DeepCopy()
	bad.Spec.Schedule = "every now and then"
	_, err := cronJobs.Create(ctx, bad, metav1.CreateOptions{})
	if status, ok := err.(apierrors.APIStatus); !apierrors.IsInvalid(err) || !ok || status.Status().Details == nil ||
		len(status.Status().Details.Causes) != 1 || status.Status().Details.Causes[0].Field != "spec.schedule" {
		t.Fatalf("an unparsable schedule: %v, want 422 Invalid on spec.schedule", err)
	}
	if _, err := cronJobs.Get(ctx, "tick", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("a refused CronJob was stored: %v", err)
	}

	cj.Status.LastScheduleTime = &metav1.Time{Time: time.Now()}
	created, err := cronJobs.Create(ctx, cj, metav1.CreateOptions{})
	must(t, err)
	if created.Spec.ConcurrencyPolicy != batchv1.AllowConcurrent || created.Status.LastScheduleTime != nil {
		t.Fatalf("created: concurrencyPolicy %q, status %+v; want Allow and no status", created.Spec.ConcurrencyPolicy, created.Status)
	}
	created.Status.Active = []corev1.ObjectReference{{Name: "tick-1"}}
	updated, err := cronJobs.Update(ctx, created, metav1.UpdateOptions{})
	must(t, err)
	if len(updated.Status.Active) != 0 {
		t.Fatalf("the main resource wrote status: %+v", updated.Status)
	}
	updated.Status.Active = []corev1.ObjectReference{{Name: "tick-1"}}
	updated, err = cronJobs.UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	must(t, err)
	if len(updated.Status.Active) != 1 {
		t.Fatalf("/status did not write status: %+v", updated.Status)
	}
}

func TestServicesGetDistinctClusterIPsThatUpdatesKeep(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{}).Client
	svcs := c.CoreV1().Services("default")
	seen := map[string]bool{}
	for _, name := range []string{"a", "b", "c"} {
		svc, err := svcs.Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}, metav1.CreateOptions{})
		must(t, err)
		if svc.Spec.ClusterIP == "" || seen[svc.Spec.ClusterIP] || svc.Spec.Ports[0].TargetPort.IntValue() != 80 {
			t.Fatalf("service %s: clusterIP %q (seen %v), targetPort %v", name, svc.Spec.ClusterIP, seen, svc.Spec.Ports[0].TargetPort)
		}
		seen[svc.Spec.ClusterIP] = true
	}
	svc, err := svcs.Get(ctx, "a", metav1.GetOptions{})
	must(t, err)
	ip := svc.Spec.ClusterIP
	svc.Spec.ClusterIP, svc.Spec.ClusterIPs = "", nil
	svc, err = svcs.Update(ctx, svc, metav1.UpdateOptions{})
	must(t, err)
	if svc.Spec.ClusterIP != ip {
		t.Fatalf("an update leaving out the cluster IP changed it from %s to %q", ip, svc.Spec.ClusterIP)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestServiceMayNotAskForAnAddressTheClusterKeeps(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{}).Client
	svcs := c.CoreV1().Services("default")
	ask := func(name, ip string) error {
		_, err := svcs.Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.ServiceSpec{ClusterIP: ip, Ports: []corev1.ServicePort{{Port: 80}}}}, metav1.CreateOptions{})
		return err
	}
	for _, ip := range []string{"10.96.0.1", "10.96.0.10", "10.96.0.16"} {
		err := ask("kept-"+strings.ReplaceAll(ip, ".", "-"), ip)
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "reserved for the cluster") {
			t.Errorf("clusterIP %s: got %v, want 422 Invalid saying it is reserved for the cluster", ip, err)
		}
	}
	if _, err := svcs.Get(ctx, "kept-10-96-0-10", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("a refused Service was stored: %v", err)
	}
	must(t, ask("free", "10.96.0.17"))
}
