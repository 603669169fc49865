package apiserver

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("Generated names", apiserverLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("generatename")
	})

	It("should give every object created with a generateName a unique name of its own", func(ctx SpecContext) {
		const count = 10
		cms := framework.Client().CoreV1().ConfigMaps(ns)

		By("creating configmaps with generateName gen-")
		names := map[string]bool{}
		for range count {
			cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "gen-"}}, metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred(), "create a configmap with generateName gen-")
			Expect(cm.Name).To(HavePrefix("gen-"))
			Expect(len(cm.Name)).To(BeNumerically(">", len("gen-")), "a generated name adds a suffix to the prefix")
			Expect(cm.GenerateName).To(Equal("gen-"), "the object keeps its generateName")
			Expect(names).NotTo(HaveKey(cm.Name), "name %s was generated twice", cm.Name)
			names[cm.Name] = true
		}

		By("listing them under their generated names")
		list, err := cms.List(ctx, metav1.ListOptions{})
		Expect(err).NotTo(HaveOccurred())
		var listed []string
		for _, cm := range list.Items {
			if strings.HasPrefix(cm.Name, "gen-") {
				listed = append(listed, cm.Name)
			}
		}
		Expect(listed).To(ConsistOf(keys(names)), "the list should hold exactly the %d generated configmaps", count)
	}, SpecTimeout(specTimeout))
})
