package apiserver

import (
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ownkube/ownkube/e2e/framework"
)

// pagedConfigMaps is how many ConfigMaps the paging specs list in pages of 100.
const pagedConfigMaps = 250

var _ = Describe("Lists in pages", apiserverLabels, func() {
	var ns string

	BeforeEach(func(ctx SpecContext) {
		ns = framework.NewNamespace("pages")
		By(fmt.Sprintf("creating %d ConfigMaps", pagedConfigMaps))
		for i := range pagedConfigMaps {
			_, err := framework.Client().CoreV1().ConfigMaps(ns).Create(ctx, newConfigMap(fmt.Sprintf("cm-%03d", i), nil), metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred(), "create ConfigMap %d", i)
		}
	})

	It("should page through them with limit and continue, each page at the first page's resourceVersion", func(ctx SpecContext) {
		cms := framework.Client().CoreV1().ConfigMaps(ns)
		var (
			sizes     []int
			remaining []int64
			seen      = map[string]bool{}
			opts      = metav1.ListOptions{Limit: 100}
			firstRV   string
		)
		for page := 0; page < 5; page++ { // bounded: 3 pages are expected
			list, err := cms.List(ctx, opts)
			Expect(err).NotTo(HaveOccurred(), "list page %d", page+1)
			if firstRV == "" {
				firstRV = list.ResourceVersion
			}
			Expect(list.ResourceVersion).To(Equal(firstRV), "every page is read at the first page's resourceVersion")
			sizes = append(sizes, len(list.Items))
			if list.RemainingItemCount != nil {
				remaining = append(remaining, *list.RemainingItemCount)
			}
			for _, cm := range list.Items {
				Expect(seen).NotTo(HaveKey(cm.Name), "ConfigMap %s came in two pages", cm.Name)
				seen[cm.Name] = true
			}
			if list.Continue == "" {
				break
			}
			opts.Continue = list.Continue
		}
		Expect(sizes).To(Equal([]int{100, 100, 50}), "pages of 100 of %d ConfigMaps", pagedConfigMaps)
		Expect(remaining).To(Equal([]int64{150, 50}), "remainingItemCount of the pages with more to come")
		Expect(seen).To(HaveLen(pagedConfigMaps))
	}, SpecTimeout(specTimeout))

	It("should list them all with kubectl get --chunk-size", Label("kubectl"), func(ctx SpecContext) {
		out := framework.NewKubectl().Run(ctx, "get", "configmaps", "-n", ns, "--chunk-size=100", "-o", "name")
		lines := strings.Fields(out)
		Expect(lines).To(HaveLen(pagedConfigMaps), "kubectl get --chunk-size=100 should print every ConfigMap once")
		Expect(lines[0]).To(Equal("configmap/cm-000"))
		Expect(lines[pagedConfigMaps-1]).To(Equal(fmt.Sprintf("configmap/cm-%03d", pagedConfigMaps-1)))
	}, SpecTimeout(specTimeout))
})
