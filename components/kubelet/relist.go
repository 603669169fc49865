package kubelet

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/ownkube/ownkube/components/kubelet/podstate"
)

// relist lists the runtime every RelistInterval to notice what changes on
// its own — a container that exits, a sandbox that dies — and queues the
// pods whose containers changed, as Kubernetes' PLEG (pod lifecycle event
// generator) does. Without it an exit would wait for the next resync, and
// a crashing container's back-off would never be seen.
func (k *Kubelet) relist(ctx context.Context) {
	ticker := time.NewTicker(k.cfg.RelistInterval)
	defer ticker.Stop()
	seen := map[types.UID]string{}
	for {
		if pods, err := k.runtime.Pods(ctx); err == nil {
			now := make(map[types.UID]string, len(pods))
			for _, p := range pods {
				now[p.UID] = signature(p)
				if seen[p.UID] != now[p.UID] {
					k.queue.Add(p.Namespace + "/" + p.Name)
				}
			}
			seen = now
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// signature sums up a pod's containers and their states: it changes when
// any of them is created, changes state or goes away.
func signature(p podstate.Pod) string {
	parts := make([]string, 0, len(p.Sandboxes)+len(p.Containers))
	for _, sb := range p.Sandboxes {
		parts = append(parts, fmt.Sprintf("%s=%s", sb.ID, sb.State))
	}
	for _, c := range p.Containers {
		parts = append(parts, fmt.Sprintf("%s=%s", c.ID, c.State))
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}
