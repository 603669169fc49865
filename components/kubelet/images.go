package kubelet

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// imageCheckTTL is how long an image's presence is trusted: an image built
// after a pod asked for it is found within that long.
const imageCheckTTL = 5 * time.Second

type imageCheck struct {
	present bool
	at      time.Time
}

// imageCache remembers which images are on the node.
type imageCache struct {
	mu     sync.Mutex
	checks map[string]imageCheck
}

// missingImages names the images of pod's containers that are not on the
// node. Nothing is ever pulled, whatever imagePullPolicy says: a missing
// image leaves its container waiting with ErrImageNeverPull.
func (k *Kubelet) missingImages(ctx context.Context, pod *corev1.Pod) map[string]bool {
	var missing map[string]bool
	for _, c := range pod.Spec.Containers {
		if !k.imagePresent(ctx, c.Image) {
			if missing == nil {
				missing = map[string]bool{}
			}
			missing[c.Image] = true
			k.event(pod, corev1.EventTypeWarning, "ErrImageNeverPull",
				"Container image %q is not present on the node and this cluster never pulls: build it with `make images`", c.Image)
		}
	}
	return missing
}

func (k *Kubelet) imagePresent(ctx context.Context, image string) bool {
	k.images.mu.Lock()
	check, ok := k.images.checks[image]
	k.images.mu.Unlock()
	if ok && time.Since(check.at) < imageCheckTTL {
		return check.present
	}
	present, err := k.runtime.ImagePresent(ctx, image)
	if err != nil {
		k.log.Warn("inspect image", "image", image, "err", err)
		return true // let the start say what is wrong, rather than guess
	}
	k.images.mu.Lock()
	k.images.checks[image] = imageCheck{present: present, at: time.Now()}
	k.images.mu.Unlock()
	return present
}
