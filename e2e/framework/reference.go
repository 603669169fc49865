package framework

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/containerd/errdefs"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/images"
)

// ReferenceEnv names the variable listing the components the suite runs
// from the reference solutions rather than the implementation under test
// (`ownkube check --reference apiserver,kubelet`), so that a learner stuck
// on one stage can work on the next.
const ReferenceEnv = "OWNKUBE_E2E_REFERENCE"

// Referable are the components with learner code in them, the ones a
// reference can stand in for: the API server (the etcd store), the kubelet,
// the scheduler and the controller-manager (its controllers).
var Referable = []string{cluster.APIServer, cluster.Kubelet, cluster.Scheduler, cluster.ControllerManager}

// ParseReference reads a comma-separated list of components, refusing those
// that are not Referable.
func ParseReference(list string) ([]string, error) {
	var out []string
	for _, c := range strings.Split(list, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !slices.Contains(Referable, c) {
			return nil, fmt.Errorf("%q is not a component with learner code: choose among %s", c, strings.Join(Referable, ", "))
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// reference is ReferenceEnv's list, checked.
func reference() ([]string, error) {
	ref, err := ParseReference(os.Getenv(ReferenceEnv))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ReferenceEnv, err)
	}
	return ref, nil
}

// referenceImages maps each referenced component to the reference's image,
// as cluster.Config.Images wants it; nil when impl is the reference itself.
func referenceImages(ref []string, impl string) (map[string]string, error) {
	if len(ref) == 0 || impl == images.Solutions {
		return nil, nil
	}
	img, err := images.Tag("ownkube", images.Solutions)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, c := range ref {
		m[c] = img
	}
	return m, nil
}

// prepareReference makes the reference's image ready: built from
// solutions/ where the checkout has it, else the one a student release
// ships (images/ownkube-solutions.tar, docker load'ed by the learner).
func prepareReference(ctx context.Context, ref []string, impl string) error {
	if len(ref) == 0 || impl == images.Solutions {
		return nil
	}
	root, err := images.ModuleRoot()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "solutions")); err == nil {
		return images.Build(ctx, images.Options{Impl: images.Solutions, Images: []string{"ownkube"}, ModuleRoot: root})
	}
	img, err := images.Tag("ownkube", images.Solutions)
	if err != nil {
		return err
	}
	d, err := cluster.Docker(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.ImageInspect(ctx, img); err != nil {
		if errdefs.IsNotFound(err) {
			return errors.New("the reference image " + img + " is missing: load it with `docker load -i images/ownkube-solutions.tar` and run again")
		}
		return fmt.Errorf("inspect the reference image %s: %w", img, err)
	}
	return nil
}

// cliEnv is the environment of the CLI the specs run: the suite's, and
// with the kubelet referenced, the reference's image for `node create`.
func cliEnv() []string {
	env := os.Environ()
	// bringUp has checked the list and the tag: an error here was already
	// reported, and the CLI then runs the implementation's image.
	ref, err := reference()
	if err != nil || !slices.Contains(ref, cluster.Kubelet) {
		return env
	}
	imgs, err := referenceImages(ref, envOr("OWNKUBE_E2E_IMPL", defaultImpl))
	if err != nil || imgs == nil {
		return env
	}
	return append(env, cluster.NodeImageEnv+"="+imgs[cluster.Kubelet])
}
