package smoke

import (
	"os"
	"path/filepath"
	"time"

	"github.com/google/pprof/profile"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/ownkube/ownkube/components/cluster"
	"github.com/ownkube/ownkube/e2e/framework"
)

// `ownkube debug profile` fetches pprof profiles from the components the
// cluster starts with --profiling: given code only.
var _ = Describe("ownkube debug profile", Label("smoke", "given"), func() {
	It("should fetch heap profiles of etcd and the API server that pprof reads", Label("stage3"), func(ctx SpecContext) {
		for _, component := range []string{cluster.Etcd, cluster.APIServer} {
			p := fetchProfile(ctx, component, "heap")
			Expect(sampleTypes(p)).To(ContainElement("inuse_space"), "a heap profile of %s", component)
			Expect(p.Sample).NotTo(BeEmpty(), "a heap profile of %s", component)
		}
	}, SpecTimeout(time.Minute))

	It("should fetch a CPU profile of the scheduler over the seconds asked", Label("stage5"), func(ctx SpecContext) {
		p := fetchProfile(ctx, cluster.Scheduler, "cpu", "--seconds", "1")
		Expect(sampleTypes(p)).To(ContainElement("cpu"), "a CPU profile")
		Expect(p.DurationNanos).To(BeNumerically(">=", int64(900*time.Millisecond)), "a profile sampled for the second asked")
	}, SpecTimeout(time.Minute))
})

// fetchProfile runs `ownkube debug profile` and parses what it wrote.
func fetchProfile(ctx SpecContext, component, kind string, args ...string) *profile.Profile {
	GinkgoHelper()
	out := filepath.Join(GinkgoT().TempDir(), component+".pprof")
	res := framework.RunCLI(ctx, append([]string{"debug", "profile", component, "--name", framework.Cluster().Name,
		"--type", kind, "-o", out}, args...)...)
	Expect(res.Err).NotTo(HaveOccurred(), "%s", res)
	Expect(res.Stdout).To(ContainSubstring("Wrote "+out), "%s", res)
	f, err := os.Open(out)
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	p, err := profile.Parse(f)
	Expect(err).NotTo(HaveOccurred(), "the %s profile of %s should be pprof's format", kind, component)
	return p
}

func sampleTypes(p *profile.Profile) []string {
	var types []string
	for _, t := range p.SampleType {
		types = append(types, t.Type)
	}
	return types
}
