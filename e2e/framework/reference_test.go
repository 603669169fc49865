package framework

import (
	"strings"
	"testing"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/components/images"
)

func TestAReferenceListNamesComponentsWithLearnerCode(t *testing.T) {
	got, err := ParseReference(" apiserver,kubelet,,apiserver ")
	if err != nil || strings.Join(got, ",") != "apiserver,kubelet" {
		t.Errorf("ParseReference = %v, %v; want apiserver,kubelet", got, err)
	}
	for _, bad := range []string{"etcd", "dns", "kube-proxy", "apiserver,Kubelet"} {
		if _, err := ParseReference(bad); err == nil || !strings.Contains(err.Error(), "choose among") {
			t.Errorf("ParseReference(%q) = %v; want an error naming the choices", bad, err)
		}
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
