package framework

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// namespaceTimeout bounds creating and deleting a spec's namespace.
const namespaceTimeout = 30 * time.Second

// NewNamespace creates a namespace named <prefix>-<random> for the current
// spec and returns its name. The namespace is deleted after the spec; if the
// spec fails, its objects and events are first attached to the report. Call
// it from a BeforeEach or an It.
func NewNamespace(prefix string) string {
	GinkgoHelper()
	ctx, cancel := contextWithTimeout(namespaceTimeout)
	defer cancel()
	ns, err := Client().CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: prefix + "-",
			Labels:       map[string]string{"e2e.ownkube.io/spec": "true"},
		},
	}, metav1.CreateOptions{})
	Expect(err).NotTo(HaveOccurred(), "create a namespace with prefix %q", prefix)
	name := ns.Name

	DeferCleanup(func(ctx SpecContext) {
		err := Client().CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			Expect(err).NotTo(HaveOccurred(), "delete namespace %s", name)
		}
	}, NodeTimeout(namespaceTimeout))
	// Failure callbacks run before any teardown, while the objects still exist.
	DeferOnFailure(func(ctx SpecContext) { attachNamespace(ctx, name) }, NodeTimeout(dumpTimeout))
	return name
}
