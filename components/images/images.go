package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/client"

	"github.com/ownkube/ownkube/components/cluster"
)

// The implementations a per-implementation image can link, chosen by build tag.
const (
	Solutions = "solutions" // go build -tags solutions: the reference solutions
	Exercises = "exercises" // the default build: the learner's exercises
	// Mutants is the reference with every known-bad variant linked beside
	// it (go build -tags solutions,mutants); OWNKUBE_MUTANT picks one at
	// run time (components/kit/mutant).
	Mutants = "mutants"
)

// Label names carried by every image Build makes.
const (
	// LabelBinarySHA256 is the sha256 of the image's binary; Build skips the
	// Docker build when the tagged image already carries the same value.
	LabelBinarySHA256 = "ownkube.io/binary-sha256"
	// LabelDockerfileSHA256 is the sha256 of the image's Dockerfile, so that
	// editing a Dockerfile rebuilds its image too.
	LabelDockerfileSHA256 = "ownkube.io/dockerfile-sha256"
)

// TagSuffixEnv names the variable whose value is appended to the tag of
// every per-implementation image ("ownkube:solutions-mybranch"), so that
// two work trees sharing one Docker engine test each its own binary.
const TagSuffixEnv = "OWNKUBE_IMAGE_TAG_SUFFIX"

// image describes one image of the kit: the program in it and its tag.
// Adding an image is adding a row to table, a folder components/images/<Name>/
// with its Dockerfile, and (for a workload) its main.go.
type image struct {
	// Name is the image's folder under components/images/ and the name of
	// the binary in the build context (the Dockerfile COPYs it by that name).
	Name string
	// Repository is the image reference without its tag.
	Repository string
	// Package is the Go package compiled into the binary, relative to the
	// module root.
	Package string
	// PerImpl marks an image whose binary links the learner's code: it is
	// built once per implementation and tagged <Repository>:<impl>. Other
	// images are built with default tags and tagged <Repository>:latest.
	PerImpl bool
	// Suffixed marks a workload image tagged <Repository>:latest plus
	// $OWNKUBE_IMAGE_TAG_SUFFIX, so that trees built side by side on one
	// engine (each with its suffix) do not replace each other's; without
	// the variable it is plain :latest.
	Suffixed bool
}

var table = []image{
	{Name: "ownkube", Repository: "ownkube", Package: "./components/cmd/ownkube", PerImpl: true},
	// The workload images: standard library only, a few MB each.
	{Name: "pause", Repository: "ownkube/pause", Package: "./components/images/pause"},
	{Name: "echo", Repository: "ownkube/echo", Package: "./components/images/echo"},
	{Name: "crasher", Repository: "ownkube/crasher", Package: "./components/images/crasher"},
	{Name: "probe", Repository: "ownkube/probe", Package: "./components/images/probe", Suffixed: true},
	// The ClusterIP forwarder: standard library only, like the workloads.
	// Suffixed: its flags follow the proxy of the same tree (-ca-file …).
	{Name: "forwarder", Repository: "ownkube/forwarder", Package: "./components/images/forwarder", Suffixed: true},
}

// Names lists the images Build knows, in table order.
func Names() []string {
	names := make([]string, len(table))
	for i, img := range table {
		names[i] = img.Name
	}
	return names
}

// Tag is the reference Build gives image name for implementation impl, such
// as "ownkube:solutions".
func Tag(name, impl string) (string, error) {
	img, err := lookup(name)
	if err != nil {
		return "", err
	}
	return img.tag(impl), nil
}

func (img image) tag(impl string) string {
	if img.PerImpl {
		return img.Repository + ":" + impl + os.Getenv(TagSuffixEnv)
	}
	if img.Suffixed {
		return img.Repository + ":latest" + os.Getenv(TagSuffixEnv)
	}
	return img.Repository + ":latest"
}

// buildTags are the -tags passed to go build for impl.
func (img image) buildTags(impl string) []string {
	switch {
	case img.PerImpl && impl == Solutions:
		return []string{"-tags", Solutions}
	case img.PerImpl && impl == Mutants:
		return []string{"-tags", Solutions + "," + Mutants}
	}
	return nil
}

// outputDir is where the binary is written, relative to the module root.
func (img image) outputDir(impl string) string {
	if img.PerImpl {
		return filepath.Join("_output", "images", img.Name+"-"+impl)
	}
	return filepath.Join("_output", "images", img.Name)
}

func lookup(name string) (image, error) {
	for _, img := range table {
		if img.Name == name {
			return img, nil
		}
	}
	return image{}, fmt.Errorf("images: unknown image %q (known: %s)", name, strings.Join(Names(), ", "))
}

// Options says what Build builds and where it reports.
type Options struct {
	// Impl is Solutions, Exercises or Mutants; empty means Solutions.
	Impl string
	// Images names the images to build (see Names); empty means all.
	Images []string
	// Progress receives one line per image; nil discards them.
	Progress io.Writer
	// ModuleRoot is the directory holding go.mod; empty means the first one
	// found walking up from the working directory.
	ModuleRoot string
}

func (o Options) withDefaults() (Options, error) {
	if o.Impl == "" {
		o.Impl = Solutions
	}
	if o.Impl != Solutions && o.Impl != Exercises && o.Impl != Mutants {
		return o, fmt.Errorf("images: unknown implementation %q: want %q, %q or %q", o.Impl, Solutions, Exercises, Mutants)
	}
	if len(o.Images) == 0 {
		o.Images = Names()
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.ModuleRoot == "" {
		root, err := ModuleRoot()
		if err != nil {
			return o, err
		}
		o.ModuleRoot = root
	}
	return o, nil
}

// Build builds the images opts names, each at most once, concurrently, and
// returns the errors of those that failed: the Go compiler's or Docker's own
// message.
func Build(ctx context.Context, opts Options) error {
	opts, err := opts.withDefaults()
	if err != nil {
		return err
	}
	var imgs []image
	for _, name := range opts.Images {
		img, err := lookup(name)
		if err != nil {
			return err
		}
		if !slices.Contains(imgs, img) {
			imgs = append(imgs, img)
		}
	}
	docker, err := connect(ctx)
	if err != nil {
		return err
	}
	defer docker.Close()
	arch, err := engineArch(ctx, docker)
	if err != nil {
		return err
	}

	b := &builder{docker: docker, root: opts.ModuleRoot, impl: opts.Impl, goarch: arch}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, img := range imgs {
		wg.Go(func() {
			start := time.Now()
			built, err := b.build(ctx, img)
			mu.Lock()
			defer mu.Unlock()
			reportLine(opts.Progress, img.tag(opts.Impl), built, time.Since(start), err)
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func reportLine(w io.Writer, tag string, built bool, took time.Duration, err error) {
	switch {
	case err != nil:
		fmt.Fprintf(w, " ✗ Image %s\n", tag)
	case built:
		fmt.Fprintf(w, " ✓ Image %s (built in %.1fs)\n", tag, took.Seconds())
	default:
		fmt.Fprintf(w, " ✓ Image %s (up to date)\n", tag)
	}
}

// ModuleRoot is the first directory holding a go.mod, walking up from the
// working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("images: find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("images: no go.mod in the working directory or above it: run this from the ownkube checkout")
		}
		dir = parent
	}
}

// connect returns a Docker client that has answered a ping.
func connect(ctx context.Context) (*client.Client, error) { return cluster.Docker(ctx) }

// engineArch is the GOARCH of the Docker engine, which may differ from the
// machine running the build (a Mac with a Linux VM, say).
func engineArch(ctx context.Context, docker *client.Client) (string, error) {
	v, err := docker.ServerVersion(ctx)
	if err != nil {
		return "", fmt.Errorf("images: docker version: %w", err)
	}
	if v.Os != "" && v.Os != "linux" {
		return "", fmt.Errorf("images: the Docker engine runs %s containers; ownkube images are linux", v.Os)
	}
	return v.Arch, nil
}
