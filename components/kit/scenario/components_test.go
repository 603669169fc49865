package scenario

import (
	"slices"
	"testing"

	"github.com/ownkube/ownkube/components/cluster"
)

// The loader names components as the launcher does, so a topology it
// accepts is one cluster.Up can start.
func TestComponentsAreTheLaunchers(t *testing.T) {
	want := []string{cluster.Etcd, cluster.APIServer, cluster.Scheduler, cluster.ControllerManager, cluster.DNS}
	if !slices.Equal(Components, want) {
		t.Errorf("Components = %v, the launcher's are %v", Components, want)
	}
}

// The referable components are named as the launcher names them, so the
// suite can key cluster.Config.Images by them.
func TestReferableComponentsAreTheLaunchers(t *testing.T) {
	want := []string{cluster.APIServer, cluster.Kubelet, cluster.Scheduler, cluster.ControllerManager}
	if !slices.Equal(Referable, want) {
		t.Errorf("Referable = %v, the launcher's names are %v", Referable, want)
	}
}
