package framework

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/containerd/errdefs"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/images"
	"github.com/ownkube/ownkube/components/kit/scenario"
)

// ReferenceEnv names the variable listing the components the suite runs
// from the reference solutions rather than the implementation under test
// (`ownkube check --reference apiserver,kubelet`), so that a learner stuck
// on one stage can work on the next. scenario.Referable are the names.
const ReferenceEnv = "OWNKUBE_E2E_REFERENCE"

// reference is ReferenceEnv's list, checked.
func reference() ([]string, error) {
	ref, err := scenario.ParseReference(os.Getenv(ReferenceEnv))
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
	if implUnderTest() == images.Mutants {
		env = mutantNodeImage(env)
	}
	// bringUp has checked the list and the tag: an error here was already
	// reported, and the CLI then runs the implementation's image.
	ref, err := reference()
	if err != nil || !slices.Contains(ref, cluster.Kubelet) {
		return env
	}
	imgs, err := referenceImages(ref, implUnderTest())
	if err != nil || imgs == nil {
		return env
	}
	return append(env, cluster.NodeImageEnv+"="+imgs[cluster.Kubelet])
}

// mutantNodeImage has `node create` start the mutants' image (whose kubelet
// runs OWNKUBE_MUTANT, passed on by the cluster) unless the caller chose an
// image: the CLI's own default is its build's, ownkube:solutions.
func mutantNodeImage(env []string) []string {
	if os.Getenv(cluster.NodeImageEnv) != "" {
		return env
	}
	img, err := images.Tag("ownkube", images.Mutants)
	if err != nil {
		return env // bringUp built this tag: it cannot be unknown
	}
	return append(env, cluster.NodeImageEnv+"="+img)
}
