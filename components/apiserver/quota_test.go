package apiserver_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

func quota(name string, hard map[corev1.ResourceName]string) *corev1.ResourceQuota {
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{}}}
	for k, v := range hard {
		q.Spec.Hard[k] = resource.MustParse(v)
	}
	return q
}

func quotaPod(name, cpu string) *corev1.Pod {
	c := corev1.Container{Name: "app", Image: "ownkube/echo"}
	if cpu != "" {
		c.Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}
	}
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{Containers: []corev1.Container{c}}}
}

func TestQuotaRefusesThePodOverItsHardLimitsWithKubesWords(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	ctx := context.Background()
	if _, err := s.Client.CoreV1().ResourceQuotas("default").Create(ctx,
		quota("compute", map[corev1.ResourceName]string{"pods": "2", "requests.cpu": "500m"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := s.Client.CoreV1().Pods("default")
	create := func(p *corev1.Pod) error {
		_, err := pods.Create(ctx, p, metav1.CreateOptions{})
		return err
	}
	if err := create(quotaPod("a", "300m")); err != nil {
		t.Fatalf("the first pod fits: %v", err)
	}
	for _, tc := range []struct {
		pod  *corev1.Pod
		says string
	}{
		{quotaPod("b", "300m"), "exceeded quota: compute, requested: requests.cpu=300m, used: requests.cpu=300m, limited: requests.cpu=500m"},
		{quotaPod("c", ""), "failed quota: compute: must specify requests.cpu"},
	} {
		err := create(tc.pod)
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("pod %s: %v, want 403 saying %q", tc.pod.Name, err, tc.says)
		}
		if _, err := pods.Get(ctx, tc.pod.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("pod %s was stored though refused: %v", tc.pod.Name, err)
		}
	}
	if err := create(quotaPod("d", "200m")); err != nil {
		t.Fatalf("a pod within what is left fits: %v", err)
	}
	err := create(quotaPod("e", "1m"))
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "requested: pods=1,requests.cpu=1m, used: pods=2,requests.cpu=500m, limited: pods=2,requests.cpu=500m") {
		t.Errorf("a third pod: %v, want both limits named", err)
	}
	what := "deleting a pod frees its share"
	if err := pods.Delete(ctx, "a", metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	if err := create(quotaPod("f", "300m")); err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

func TestQuotaHoldsAgainstRacingCreates(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.Options{WithoutLoops: true})
	ctx := context.Background()
	if _, err := s.Client.CoreV1().ResourceQuotas("default").Create(ctx,
		quota("count", map[corev1.ResourceName]string{"count/pods": "3"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = s.Client.CoreV1().Pods("default").Create(ctx, quotaPod("p"+string(rune('a'+i)), ""), metav1.CreateOptions{})
		})
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case !apierrors.IsForbidden(err):
			t.Errorf("a refused create should be 403: %v", err)
		}
	}
	if created != 3 {
		t.Errorf("%d of 10 racing pods were created under a quota of 3 pods", created)
	}
}
