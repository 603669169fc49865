package framework

import (
	"slices"
	"strings"
	"testing"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/images"
)

func TestABadReferenceListSaysWhatToChoose(t *testing.T) {
	t.Setenv(ReferenceEnv, "apiserver,etcd")
	if _, err := reference(); err == nil || !strings.Contains(err.Error(), ReferenceEnv) {
		t.Errorf("reference() = %v; want an error naming %s", err, ReferenceEnv)
	}
}

func TestReferencedComponentsRunTheReferenceImage(t *testing.T) {
	t.Setenv(images.TagSuffixEnv, "-x")
	m, err := referenceImages([]string{cluster.APIServer, cluster.Kubelet}, images.Exercises)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 || m[cluster.APIServer] != "ownkube:solutions-x" || m[cluster.Kubelet] != "ownkube:solutions-x" {
		t.Errorf("referenceImages = %v", m)
	}
	if m, _ := referenceImages([]string{cluster.Kubelet}, images.Solutions); m != nil {
		t.Errorf("the reference referencing itself overrides %v", m)
	}
}

func TestWithTheKubeletReferencedTheCLIStartsReferenceNodes(t *testing.T) {
	t.Setenv(images.TagSuffixEnv, "-x")
	t.Setenv("OWNKUBE_E2E_IMPL", images.Exercises)
	want := cluster.NodeImageEnv + "=ownkube:solutions-x"
	t.Setenv(ReferenceEnv, "apiserver,kubelet")
	if env := cliEnv(); !slices.Contains(env, want) {
		t.Errorf("the CLI's environment lacks %s", want)
	}
	t.Setenv(ReferenceEnv, "apiserver")
	for _, kv := range cliEnv() {
		if strings.HasPrefix(kv, cluster.NodeImageEnv+"=ownkube:solutions") {
			t.Errorf("the kubelet is not referenced, yet the CLI is given %s", kv)
		}
	}
}
