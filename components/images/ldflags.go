package images

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// LDFlags are the linker flags of every ownkube binary the kit builds from
// the module at root: stripped, and stamped with the Kubernetes release of
// the client-go the module requires (module v0.37.2 is Kubernetes
// v1.37.2). kubectl, linked into the CLI, reads its own version from
// client-go's and component-base's version packages, whose default
// ("v0.0.0-master+$Format:%H$") `kubectl version` refuses to parse; the
// Kubernetes release builds stamp them the same way. The Makefile's build
// target stamps bin/ownkube alike.
func LDFlags(ctx context.Context, root string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Version}}", "k8s.io/client-go")
	cmd.Dir = root
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("the client-go version of %s (go list -m k8s.io/client-go): %w: %s", root, err, strings.TrimSpace(errOut.String()))
	}
	module := strings.TrimSpace(out.String())
	if !strings.HasPrefix(module, "v0.") {
		return "", fmt.Errorf("the client-go version of %s is %q, not a v0.x.y release", root, module)
	}
	release := "v1." + strings.TrimPrefix(module, "v0.")
	flags := "-s -w"
	for _, pkg := range []string{"k8s.io/client-go/pkg/version", "k8s.io/component-base/version"} {
		flags += " -X " + pkg + ".gitVersion=" + release
	}
	return flags, nil
}
