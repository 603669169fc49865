package apiserver

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ownkube/ownkube/e2e/framework"
)

// everydayManifest holds kinds that everyday manifests carry beside their
// workloads, which the kit stores and serves without acting on them.
const everydayManifest = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
  - host: web.example
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 80}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 3
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: pods
spec:
  hard: {pods: "10"}
---
apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
spec:
  limits:
  - type: Container
    default: {cpu: 100m}
`

var _ = Describe("Everyday manifests", Label("apiserver", "stage3", "kubectl"), func() {
	var (
		ns string
		k  *framework.Kubectl
	)

	BeforeEach(func() {
		k = framework.NewKubectl()
		ns = framework.NewNamespace("manifests")
	})

	It("should apply Ingress, NetworkPolicy, HPA, PDB, PVC, ResourceQuota and LimitRange, and list them", func(ctx SpecContext) {
		manifest := filepath.Join(GinkgoT().TempDir(), "everyday.yaml")
		Expect(os.WriteFile(manifest, []byte(everydayManifest), 0o644)).To(Succeed())
		out := k.Run(ctx, "apply", "-n", ns, "-f", manifest)
		for _, created := range []string{
			"ingress.networking.k8s.io/web created", "networkpolicy.networking.k8s.io/web created",
			"horizontalpodautoscaler.autoscaling/web created", "poddisruptionbudget.policy/web created",
			"persistentvolumeclaim/data created", "resourcequota/pods created", "limitrange/defaults created",
		} {
			expectLine(out, "^"+strings.ReplaceAll(created, ".", `\.`)+"$", "kubectl apply should report "+created)
		}
		out = k.Run(ctx, "get", "-n", ns, "ingress,netpol,hpa,pdb,pvc,quota,limits", "-o", "name")
		Expect(strings.Fields(out)).To(ConsistOf(
			"ingress.networking.k8s.io/web", "networkpolicy.networking.k8s.io/web", "horizontalpodautoscaler.autoscaling/web",
			"poddisruptionbudget.policy/web", "persistentvolumeclaim/data", "resourcequota/pods", "limitrange/defaults"))
		By("applying it again, which changes nothing")
		versions := func() string {
			return k.Run(ctx, "get", "-n", ns, "ingress,netpol,hpa,pdb,pvc,quota,limits",
				"-o", `jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{"\n"}{end}`)
		}
		before := versions()
		// kubectl says "configured" for the PodDisruptionBudget even so, as
		// on any cluster: its selector's patch strategy is replace, so the
		// patch it sends is never empty. The server must write nothing.
		k.Run(ctx, "apply", "-n", ns, "-f", manifest)
		Expect(versions()).To(Equal(before), "a second apply of the same manifest should leave every resourceVersion as it was")
	}, SpecTimeout(specTimeout))

	It("should refuse a kind it does not serve with kubectl's own no-matches error", func(ctx SpecContext) {
		manifest := filepath.Join(GinkgoT().TempDir(), "priorityclass.yaml")
		Expect(os.WriteFile(manifest, []byte("apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: high\nvalue: 1000\n"), 0o644)).To(Succeed())
		// Validated as kubectl validates by default: against /openapi/v2,
		// which knows no PriorityClass either.
		out, err := k.TryRun(ctx, "apply", "-n", ns, "-f", manifest)
		Expect(err).To(HaveOccurred(), "kubectl apply of an unserved kind should fail:\n%s", out)
		Expect(out).To(ContainSubstring(`no matches for kind "PriorityClass" in version "scheduling.k8s.io/v1"`))
	}, SpecTimeout(specTimeout))
})
