package framework

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The workload images pods run (components/images), built by the suite's
// bring-up; nothing is ever pulled.
const (
	// EchoImage serves HTTP on EchoPort: GET / answers JSON naming the pod
	// (EchoReply), /healthz fails once $FAIL_LIVENESS_AFTER has passed,
	// /readyz answers 503 until $READY_AFTER has passed.
	EchoImage = "ownkube/echo:latest"
	EchoPort  = 8080
	// CrasherImage exits with $EXIT_CODE after $DELAY.
	CrasherImage = "ownkube/crasher:latest"
)

// EchoReply is the JSON answer of the echo server's GET /.
type EchoReply struct {
	Pod       string `json:"pod"`
	Namespace string `json:"namespace"`
	Node      string `json:"node"`
	PodIP     string `json:"podIP"`
	Hostname  string `json:"hostname"`
	Count     int64  `json:"count"`
	Path      string `json:"path"`
}

// EchoPod is a pod named name running one echo container, "app", told who
// it is through the downward API (POD_NAME, POD_NAMESPACE, NODE_NAME,
// POD_IP), plus env.
func EchoPod(name string, env ...corev1.EnvVar) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:  "app",
			Image: EchoImage,
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: EchoPort}},
			Env: append([]corev1.EnvVar{
				fieldEnv("POD_NAME", "metadata.name"),
				fieldEnv("POD_NAMESPACE", "metadata.namespace"),
				fieldEnv("NODE_NAME", "spec.nodeName"),
				fieldEnv("POD_IP", "status.podIP"),
			}, env...),
		}}},
	}
}

// CrasherPod is a pod named name whose one container, "app", exits with
// exitCode after delay (a Go duration), under restartPolicy.
func CrasherPod(name string, restartPolicy corev1.RestartPolicy, exitCode, delay string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			RestartPolicy: restartPolicy,
			Containers: []corev1.Container{{
				Name:  "app",
				Image: CrasherImage,
				Env:   []corev1.EnvVar{{Name: "EXIT_CODE", Value: exitCode}, {Name: "DELAY", Value: delay}},
			}},
		},
	}
}

func fieldEnv(name, path string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
}

// AskEcho GETs / of the echo server at ip from a probe container on the
// cluster network, retrying for up to ten seconds while the server starts
// listening, and returns its answer.
func AskEcho(ctx context.Context, ip string) EchoReply {
	GinkgoHelper()
	url := fmt.Sprintf("http://%s/", net.JoinHostPort(ip, strconv.Itoa(EchoPort)))
	out, code, err := Probe(ctx, "http", url, "-retries", "20", "-interval", "500ms")
	Expect(err).NotTo(HaveOccurred(), "run a probe of %s", url)
	Expect(code).To(Equal(0), "a probe of %s from the cluster network should get 200; it got %q", url, out)
	var reply EchoReply
	Expect(json.Unmarshal([]byte(out), &reply)).To(Succeed(), "the echo server's answer %q", out)
	return reply
}
