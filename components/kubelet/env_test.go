package kubelet

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

func envPod(c corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", Labels: map[string]string{"app": "web"},
			Annotations: map[string]string{"team": "blue"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{c}},
	}
}

func configSourceWith() configSource {
	return apiConfigSource{fake.NewClientset(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: "shop"},
			Data: map[string]string{"MODE": "fast", "LEVEL": "3", "bad-name": "x"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "shop"},
			Data: map[string][]byte{"PASSWORD": []byte("s3cret")}},
	)}
}

func envMap(env []corev1.EnvVar) map[string]string {
	out := map[string]string{}
	for _, e := range env {
		if _, dup := out[e.Name]; dup {
			out["duplicate:"+e.Name] = e.Value
		}
		out[e.Name] = e.Value
	}
	return out
}

func cmKey(name, key string, opt bool) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key, Optional: ptr.To(opt)}}
}

func TestEnvFromAndValueFromResolveAsKubeletDoes(t *testing.T) {
	c := corev1.Container{Name: "app",
		EnvFrom: []corev1.EnvFromSource{
			{Prefix: "CFG_", ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}}},
			{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}}},
			{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "absent"}, Optional: ptr.To(true)}},
		},
		Env: []corev1.EnvVar{
			{Name: "CFG_MODE", Value: "slow"}, // env wins over envFrom
			{Name: "LEVEL", ValueFrom: cmKey("settings", "LEVEL", false)},
			{Name: "PW", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Key: "PASSWORD"}}},
			{Name: "MAYBE", ValueFrom: cmKey("absent", "X", true)},
			{Name: "MAYBE_KEY", ValueFrom: cmKey("settings", "NOPE", true)},
			{Name: "APP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['app']"}}},
			{Name: "TEAM", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.annotations['team']"}}},
			{Name: "IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
		},
	}
	got, err := resolveEnv(context.Background(), configSourceWith(), envPod(c), &c, "10.0.0.7", "172.18.0.2")
	if err != nil {
		t.Fatalf("resolveEnv: %v", err)
	}
	want := map[string]string{"CFG_MODE": "slow", "CFG_LEVEL": "3", "CFG_bad-name": "x", "PASSWORD": "s3cret", "LEVEL": "3", "PW": "s3cret",
		"APP": "web", "TEAM": "blue", "IP": "10.0.0.7"}
	if m := envMap(got); !mapsEqual(m, want) {
		t.Errorf("env = %v\nwant  %v", m, want)
	}
}

func TestARequiredReferenceToWhatIsMissingIsAnErrorThatNamesIt(t *testing.T) {
	for name, tc := range map[string]struct {
		env  corev1.EnvVar
		from []corev1.EnvFromSource
		want string
	}{
		"configmap": {env: corev1.EnvVar{Name: "A", ValueFrom: cmKey("absent", "X", false)}, want: `configmaps "absent" not found`},
		"key":       {env: corev1.EnvVar{Name: "A", ValueFrom: cmKey("settings", "NOPE", false)}, want: "couldn't find key NOPE in ConfigMap shop/settings"},
		"secret key": {env: corev1.EnvVar{Name: "A", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Key: "TOKEN"}}}, want: "couldn't find key TOKEN in Secret shop/creds"},
		"envFrom secret": {from: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "gone"}}}},
			want: `secrets "gone" not found`},
	} {
		t.Run(name, func(t *testing.T) {
			c := corev1.Container{Name: "app", EnvFrom: tc.from}
			if tc.env.Name != "" {
				c.Env = []corev1.EnvVar{tc.env}
			}
			_, err := resolveEnv(context.Background(), configSourceWith(), envPod(c), &c, "", "")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestANodeWithoutAnAPIServerSaysItHasNoConfigMaps(t *testing.T) {
	c := corev1.Container{Name: "app", Env: []corev1.EnvVar{{Name: "A", ValueFrom: cmKey("settings", "MODE", false)}}}
	_, err := resolveEnv(context.Background(), apiConfigSource{}, envPod(c), &c, "", "")
	if err == nil || !strings.Contains(err.Error(), "without an API server") {
		t.Fatalf("err = %v, want one saying a node without an API server has no ConfigMaps", err)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}
