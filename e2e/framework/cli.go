package framework

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/ownkube/ownkube/components/images"
)

// cliPath is the host ownkube binary of the implementation under test,
// built once by process 1 and shared with every process.
var cliPath string

// buildCLI builds the host ownkube binary of impl with go build, as a
// subprocess: the suite itself must link no learner code, but the CLI of
// the coupled stages is the learner's kubelet and store at work. The flags
// are those of the images' build, so the Go build cache serves both.
func buildCLI(ctx context.Context, impl string) (string, error) {
	root, err := images.ModuleRoot()
	if err != nil {
		return "", err
	}
	ldflags, err := images.LDFlags(ctx, root)
	if err != nil {
		return "", fmt.Errorf("build the ownkube CLI: %w", err)
	}
	out := filepath.Join(root, "_output", "cli", impl, "ownkube")
	args := []string{"build", "-trimpath", "-ldflags", ldflags}
	switch impl {
	case images.Solutions:
		args = append(args, "-tags", images.Solutions)
	case images.Mutants: // the coupled CLI writes through the (mutant) store
		args = append(args, "-tags", images.Solutions+","+images.Mutants)
	}
	args = append(args, "-o", out, "./components/cmd/ownkube")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build the ownkube CLI (go %s in %s): %w\n%s", strings.Join(args, " "), root, err, output.String())
	}
	return out, nil
}

// CLI is the path of a host ownkube binary built for the implementation
// under test (the coupled stages drive the cluster through it).
func CLI() string {
	mustBeUp()
	if cliPath == "" {
		Fail("the suite built no ownkube CLI")
	}
	return cliPath
}

// CLIResult is what one run of the CLI printed, and how it ended.
type CLIResult struct {
	Args           []string
	Stdout, Stderr string
	// Err is nil when the CLI exited 0.
	Err error
}

func (r CLIResult) String() string {
	return fmt.Sprintf("ownkube %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(r.Args, " "), r.Err, r.Stdout, r.Stderr)
}

// RunCLI runs the CLI with args (and the environment of the suite, which
// names the images' tag suffix, and with the kubelet referenced the node
// image) until it exits or ctx ends.
func RunCLI(ctx context.Context, args ...string) CLIResult {
	cmd := exec.CommandContext(ctx, CLI(), args...)
	cmd.Env = cliEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	fmt.Fprintf(GinkgoWriter, "$ ownkube %s\n%s%s", strings.Join(args, " "), stdout.String(), stderr.String())
	return CLIResult{Args: args, Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}
