package images

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"
	dockerimage "github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/jsonmessage"
)

// builder builds the images of one implementation.
type builder struct {
	docker *client.Client
	root   string // module root
	impl   string
	goarch string
}

// build compiles img's binary and builds its image unless an image of its
// tag already holds the same binary and Dockerfile. It reports whether it
// built.
func (b *builder) build(ctx context.Context, img image) (bool, error) {
	tag := img.tag(b.impl)
	binary, err := b.compile(ctx, img)
	if err != nil {
		return false, err
	}
	dockerfile, err := os.ReadFile(filepath.Join(b.root, "components", "images", img.Name, "Dockerfile"))
	if err != nil {
		return false, fmt.Errorf("image %s: %w", tag, err)
	}
	binarySum, err := fileSHA256(binary)
	if err != nil {
		return false, fmt.Errorf("image %s: %w", tag, err)
	}
	labels := map[string]string{LabelBinarySHA256: binarySum, LabelDockerfileSHA256: bytesSHA256(dockerfile)}

	existing, err := b.docker.ImageInspect(ctx, tag)
	switch {
	case err == nil && existing.Config != nil && hasLabels(existing.Config.Labels, labels):
		return false, nil
	case err != nil && !errdefs.IsNotFound(err):
		return false, fmt.Errorf("image %s: inspect: %w", tag, err)
	}
	if err := b.dockerBuild(ctx, img, tag, dockerfile, binary, labels); err != nil {
		return false, err
	}
	if existing.ID != "" {
		// The previous image of this tag is now dangling; drop it so rebuilds
		// do not pile up. It stays if a container still uses it.
		_, _ = b.docker.ImageRemove(ctx, existing.ID, dockerimage.RemoveOptions{PruneChildren: true})
	}
	return true, nil
}

func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// compile runs go build for img and returns the path of the binary.
func (b *builder) compile(ctx context.Context, img image) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("image %s: building images needs the Go toolchain: %w", img.tag(b.impl), err)
	}
	ldflags, err := LDFlags(ctx, b.root)
	if err != nil {
		return "", fmt.Errorf("image %s: %w", img.tag(b.impl), err)
	}
	out := filepath.Join(b.root, img.outputDir(b.impl), img.Name)
	args := []string{"build", "-trimpath", "-ldflags", ldflags}
	args = append(args, img.buildTags(b.impl)...)
	args = append(args, "-o", out, img.Package)

	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Dir = b.root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+b.goarch)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(output.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("image %s: go %s:\n%s", img.tag(b.impl), shellJoin(args), msg)
	}
	return out, nil
}

// dockerBuild sends the build context to the engine's legacy builder (which
// builds FROM scratch without pulling anything) and waits for the result.
func (b *builder) dockerBuild(ctx context.Context, img image, tag string, dockerfile []byte, binary string, labels map[string]string) error {
	f, err := os.Open(binary)
	if err != nil {
		return fmt.Errorf("image %s: %w", tag, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("image %s: %w", tag, err)
	}

	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(writeContext(pw, dockerfile, img.Name, f, st.Size()))
	}()
	defer pr.Close()

	sum := labels[LabelBinarySHA256]
	resp, err := b.docker.ImageBuild(ctx, pr, build.ImageBuildOptions{
		Tags:        []string{tag},
		Dockerfile:  "Dockerfile",
		BuildArgs:   map[string]*string{"BINARY_SHA256": &sum},
		Labels:      map[string]string{LabelDockerfileSHA256: labels[LabelDockerfileSHA256]},
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1,
	})
	if err != nil {
		return fmt.Errorf("image %s: docker build: %w", tag, err)
	}
	defer resp.Body.Close()
	var log bytes.Buffer
	if err := jsonmessage.DisplayJSONMessagesStream(resp.Body, &log, 0, false, nil); err != nil {
		var jerr *jsonmessage.JSONError
		if errors.As(err, &jerr) {
			return fmt.Errorf("image %s: docker build: %s\n%s", tag, jerr.Message, strings.TrimSpace(log.String()))
		}
		return fmt.Errorf("image %s: docker build: %w", tag, err)
	}
	return nil
}

// shellJoin renders args as a shell would need them typed.
func shellJoin(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = a
		if strings.ContainsAny(a, " \t\"'") {
			quoted[i] = strconv.Quote(a)
		}
	}
	return strings.Join(quoted, " ")
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func bytesSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
