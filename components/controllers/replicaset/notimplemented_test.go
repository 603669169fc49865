//go:build solutions

package replicaset_test

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/components/controllers/replicaset/core"
	"github.com/ownkube/ownkube/components/kit/exercise"
)

// A ReplicaSet whose core is a stub (returning its error, or panicking as
// the stubs of unexported helpers do) gets one Warning Event
// NotImplemented naming the function, and no pods.
func TestAStubManageIsReportedOnTheReplicaSet(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		manage     func(int32, []*corev1.Pod, int) (int, []*corev1.Pod, error)
	}{
		{"returned", "not implemented: stage 6 replicaset.Manage", func(int32, []*corev1.Pod, int) (int, []*corev1.Pod, error) {
			return 0, nil, exercise.NotImplemented(6, "replicaset.Manage")
		}},
		{"panicked", "not implemented: stage 6 replicaset.IsActive", func(int32, []*corev1.Pod, int) (int, []*corev1.Pod, error) {
			panic(exercise.NotImplemented(6, "replicaset.IsActive"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			was := core.Manage
			core.Manage = tc.manage
			t.Cleanup(func() { core.Manage = was })
			ctx, c := start(t)
			rs, err := c.AppsV1().ReplicaSets("default").Create(ctx, newRS("web", 2), metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			await(t, ctx, "a Warning event NotImplemented on replicaset web", func() (bool, string) {
				list, err := c.CoreV1().Events("default").List(ctx, metav1.ListOptions{})
				if err != nil {
					return false, err.Error()
				}
				var found []corev1.Event
				for _, e := range list.Items {
					if e.InvolvedObject.UID == rs.UID && e.Type == corev1.EventTypeWarning && e.Reason == exercise.Reason {
						found = append(found, e)
					}
				}
				return len(found) == 1 && found[0].Message == tc.want, fmt.Sprintf("events %v", found)
			})
			if pods := owned(ctx, c, rs); len(pods) != 0 {
				t.Errorf("a stub's ReplicaSet has %d pods", len(pods))
			}
		})
	}
}
