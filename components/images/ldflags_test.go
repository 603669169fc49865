package images

import (
	"context"
	"regexp"
	"testing"
)

// kubectl version refuses client-go's unstamped default, so every binary
// the kit builds must carry a Kubernetes version it can parse.
func TestLDFlagsStampKubectlsVersionPackagesWithTheKubernetesRelease(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	flags, err := LDFlags(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"k8s.io/client-go/pkg/version", "k8s.io/component-base/version"} {
		want := regexp.MustCompile(`-X ` + regexp.QuoteMeta(pkg) + `\.gitVersion=v1\.\d+\.\d+\b`)
		if !want.MatchString(flags) {
			t.Errorf("LDFlags() = %q, want %s stamped with a v1.x.y release", flags, pkg)
		}
	}
}
