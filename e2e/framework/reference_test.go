package framework

import (
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
