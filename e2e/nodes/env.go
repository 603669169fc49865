package nodes

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/e2e/framework"
)

var _ = Describe("Container environment", nodesLabels, func() {
	var ns string

	BeforeEach(func() {
		ns = framework.NewNamespace("env")
		framework.DeletePodsAfterSpec(ns)
	})

	Context("when a pod takes variables from a ConfigMap, a Secret and its own fields", func() {
		It("should give its container each key, envFrom's with their prefix, env winning over envFrom, and skip what is optional and missing", func(ctx SpecContext) {
			createConfig(ctx, ns)
			pod := framework.EchoPod("configured")
			pod.Labels["tier"] = "front"
			pod.Spec.Containers[0].EnvFrom = []corev1.EnvFromSource{
				{Prefix: "CFG_", ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}}},
				{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}}},
				{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "absent"}, Optional: ptr.To(true)}},
			}
			pod.Spec.Containers[0].Env = append(pod.Spec.Containers[0].Env,
				corev1.EnvVar{Name: "CFG_MODE", Value: "slow"},
				corev1.EnvVar{Name: "LEVEL", ValueFrom: configMapKey("settings", "LEVEL", false)},
				corev1.EnvVar{Name: "PW", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Key: "PASSWORD"}}},
				corev1.EnvVar{Name: "MAYBE", ValueFrom: configMapKey("settings", "NOPE", true)},
				corev1.EnvVar{Name: "TIER", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['tier']"}}},
			)
			created := create(ctx, ns, bindToNode(pod))
			env := framework.AppEnv(ctx, ns, created)
			Expect(env).To(ContainElements("CFG_MODE=slow", "CFG_LEVEL=3", "PASSWORD=s3cret", "LEVEL=3", "PW=s3cret", "TIER=front"))
			Expect(env).NotTo(ContainElement("CFG_MODE=fast"), "env wins over envFrom")
			Expect(env).NotTo(ContainElement(HavePrefix("MAYBE=")), "an optional reference to a missing key sets nothing")
		}, SpecTimeout(specTimeout))
	})

	Context("when a pod's ConfigMap does not exist yet", func() {
		It("should hold its container with a Failed event that names the ConfigMap, and start it once the ConfigMap is there", func(ctx SpecContext) {
			pod := framework.EchoPod("waits")
			pod.Spec.Containers[0].Env = append(pod.Spec.Containers[0].Env,
				corev1.EnvVar{Name: "MODE", ValueFrom: configMapKey("late", "MODE", false)})
			created := create(ctx, ns, bindToNode(pod))

			By("seeing the kubelet say what is missing, and not start the container")
			Eventually(ctx, func(g Gomega) {
				framework.StopIfNotImplemented(ctx, ns, "a Failed event about pod waits")
				events, err := framework.Client().CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=waits"})
				g.Expect(err).NotTo(HaveOccurred())
				var messages []string
				for _, e := range events.Items {
					messages = append(messages, e.Reason+": "+e.Message)
				}
				g.Expect(strings.Join(messages, "\n")).To(ContainSubstring(`configmaps "late" not found`))
			}).WithTimeout(framework.PodStartTimeout).WithPolling(framework.Poll).Should(Succeed(), "waiting for an event naming the missing ConfigMap")
			p, err := framework.Client().CoreV1().Pods(ns).Get(ctx, "waits", metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred())
			Expect(p.Status.Phase).NotTo(Equal(corev1.PodRunning), "a container whose ConfigMap is missing must not run: %s", framework.DescribePod(p))

			By("creating the ConfigMap")
			_, err = framework.Client().CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
				ObjectMeta: metav1.ObjectMeta{Name: "late"}, Data: map[string]string{"MODE": "on-time"}}, metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred())
			Expect(framework.AppEnv(ctx, ns, created)).To(ContainElement("MODE=on-time"))
		}, SpecTimeout(specTimeout))
	})
})

func createConfig(ctx SpecContext, ns string) {
	GinkgoHelper()
	_, err := framework.Client().CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"MODE": "fast", "LEVEL": "3"}}, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create ConfigMap settings")
	_, err = framework.Client().CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "creds"}, StringData: map[string]string{"PASSWORD": "s3cret"}}, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create Secret creds")
}

func configMapKey(name, key string, optional bool) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key, Optional: ptr.To(optional)}}
}
