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
