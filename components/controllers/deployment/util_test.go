package deployment

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestResolveFencepostsScalesCountsAndPercentagesAsKube(t *testing.T) {
	cases := []struct {
		surge, unavailable intstr.IntOrString
		desired            int32
		wantS, wantU       int32
	}{
		{intstr.FromInt32(1), intstr.FromInt32(1), 4, 1, 1},
		{intstr.FromString("25%"), intstr.FromString("25%"), 10, 3, 2}, // surge rounds up, unavailable down
		{intstr.FromString("25%"), intstr.FromString("25%"), 1, 1, 0},
		{intstr.FromInt32(0), intstr.FromString("10%"), 5, 0, 1}, // both zero: unavailable becomes 1
		{intstr.FromString("50%"), intstr.FromInt32(0), 3, 2, 0},
	}
	for _, c := range cases {
		s, u, err := ResolveFenceposts(&c.surge, &c.unavailable, c.desired)
		if err != nil || s != c.wantS || u != c.wantU {
			t.Errorf("ResolveFenceposts(%s, %s, %d) = %d, %d, %v; want %d, %d", c.surge.String(), c.unavailable.String(), c.desired, s, u, err, c.wantS, c.wantU)
		}
	}
	bad := intstr.FromString("lots")
	if _, _, err := ResolveFenceposts(&bad, nil, 3); err == nil {
		t.Error("a maxSurge that is no percentage was accepted")
	}
}

func rollingDeployment(replicas int32, surge, unavailable intstr.IntOrString) *appsv1.Deployment {
	return &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To(replicas), Strategy: appsv1.DeploymentStrategy{
		Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable}}}}
}

func rsOf(name string, replicas int32, created int64) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.Unix(created, 0)},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To(replicas)}}
}

func TestNewRSNewReplicasStaysWithinMaxSurge(t *testing.T) {
	d := rollingDeployment(4, intstr.FromInt32(1), intstr.FromInt32(1))
	cases := []struct {
		old, new int32
		want     int32
	}{
		{4, 0, 1}, // room for one more
		{3, 1, 2},
		{4, 1, 1}, // at 5 already
		{0, 3, 4}, // never beyond replicas
	}
	for _, c := range cases {
		newRS := rsOf("new", c.new, 2)
		got, err := newRSNewReplicas(d, []*appsv1.ReplicaSet{rsOf("old", c.old, 1), newRS}, newRS)
		if err != nil || got != c.want {
			t.Errorf("old %d new %d: %d, %v; want %d", c.old, c.new, got, err, c.want)
		}
	}
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	if got, _ := newRSNewReplicas(d, nil, rsOf("new", 0, 2)); got != 4 {
		t.Errorf("Recreate: %d, want the whole 4", got)
	}
}

func TestMaxUnavailableAndSurgeOfRecreateAreZero(t *testing.T) {
	d := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](3), Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}}}
	if MaxSurge(d) != 0 || MaxUnavailable(d) != 0 {
		t.Errorf("Recreate: surge %d unavailable %d", MaxSurge(d), MaxUnavailable(d))
	}
	r := rollingDeployment(2, intstr.FromInt32(0), intstr.FromInt32(5))
	if MaxUnavailable(r) != 2 {
		t.Errorf("maxUnavailable 5 of 2 replicas: %d, want 2", MaxUnavailable(r))
	}
}

func TestComputeHashDependsOnTheTemplateAndTheCollisionCount(t *testing.T) {
	t1 := &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "ownkube/echo:1"}}}}
	t2 := t1.DeepCopy()
	t2.Spec.Containers[0].Image = "ownkube/echo:2"
	h1, again, h2 := ComputeHash(t1, nil), ComputeHash(t1.DeepCopy(), nil), ComputeHash(t2, nil)
	if h1 != again || h1 == h2 {
		t.Errorf("hashes %s, %s (same template), %s (another)", h1, again, h2)
	}
	if c := ComputeHash(t1, ptr.To[int32](1)); c == h1 {
		t.Errorf("a collision count must change the hash")
	}
	for _, r := range h1 {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9') {
			t.Errorf("hash %q is not safe in a name", h1)
		}
	}
}

func TestEqualIgnoreHash(t *testing.T) {
	a := &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", appsv1.DefaultDeploymentUniqueLabelKey: "abc"}}}
	b := &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}}
	if !EqualIgnoreHash(a, b) {
		t.Error("templates differing only in pod-template-hash should be equal")
	}
	b.Labels["tier"] = "front"
	if EqualIgnoreHash(a, b) {
		t.Error("templates with other labels should differ")
	}
	if a.Labels[appsv1.DefaultDeploymentUniqueLabelKey] != "abc" {
		t.Error("EqualIgnoreHash changed its argument")
	}
}

func TestSetNewReplicaSetAnnotationsKeepsTheRevisionHistoryOfARollback(t *testing.T) {
	d := rollingDeployment(3, intstr.FromInt32(1), intstr.FromInt32(0))
	d.Annotations = map[string]string{"kubernetes.io/change-cause": "undo", RevisionAnnotation: "9"}
	rs := rsOf("web-1", 0, 1)
	rs.Annotations = map[string]string{RevisionAnnotation: "1"}
	if !setNewReplicaSetAnnotations(d, rs, "3", true) {
		t.Fatal("no change reported")
	}
	want := map[string]string{RevisionAnnotation: "3", RevisionHistoryAnnotation: "1", "kubernetes.io/change-cause": "undo"}
	for k, v := range want {
		if rs.Annotations[k] != v {
			t.Errorf("%s = %q, want %q", k, rs.Annotations[k], v)
		}
	}
	if setNewReplicaSetAnnotations(d, rs, "3", true) {
		t.Error("a second call changed something")
	}
	fresh := rsOf("web-2", 0, 2)
	setNewReplicaSetAnnotations(d, fresh, "4", false)
	if fresh.Annotations[DesiredReplicasAnnotation] != "3" || fresh.Annotations[MaxReplicasAnnotation] != "4" {
		t.Errorf("a new ReplicaSet's size annotations: %v", fresh.Annotations)
	}
}

func TestScaleSharesAChangeInProportion(t *testing.T) {
	d := rollingDeployment(10, intstr.FromInt32(3), intstr.FromInt32(2))
	old, newer := rsOf("old", 8, 1), rsOf("new", 5, 2)
	for _, rs := range []*appsv1.ReplicaSet{old, newer} {
		setReplicasAnnotations(rs, 10, 13)
	}
	// Scaled from 10 to 20: 13 → 23, 10 more shared 8:5.
	d.Spec.Replicas = ptr.To[int32](20)
	toAdd := int32(20+3) - 13
	po := proportion(old, d, toAdd, 0)
	pn := proportion(newer, d, toAdd, po)
	if po+pn != toAdd || po <= pn {
		t.Errorf("old gains %d, new %d, of %d", po, pn, toAdd)
	}
}
