package apiserver_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/ownkube/ownkube/components/apiserver/apiservertest"
)

func TestASecretsStringDataIsMergedIntoDataAndNeverStored(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{}).Client
	secrets := c.CoreV1().Secrets("default")
	created, err := secrets.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "s"},
		Data:       map[string][]byte{"kept": []byte("a"), "both": []byte("from data")},
		StringData: map[string]string{"password": "hunter2", "both": "from stringData"},
	}, metav1.CreateOptions{})
	must(t, err)
	read, err := secrets.Get(ctx, "s", metav1.GetOptions{})
	must(t, err)
	for _, got := range []*corev1.Secret{created, read} {
		if got.StringData != nil {
			t.Errorf("stringData came back: %v; it is write-only", got.StringData)
		}
		want := map[string]string{"kept": "a", "both": "from stringData", "password": "hunter2"}
		for k, v := range want {
			if string(got.Data[k]) != v {
				t.Errorf("data[%s] = %q, want %q (stringData wins over data)", k, got.Data[k], v)
			}
		}
	}
	patched, err := secrets.Patch(ctx, "s", types.MergePatchType, []byte(`{"stringData":{"password":"changed"}}`), metav1.PatchOptions{})
	must(t, err)
	if string(patched.Data["password"]) != "changed" || patched.StringData != nil {
		t.Errorf("after patching stringData: data %v, stringData %v", patched.Data, patched.StringData)
	}
}

func TestConfigMapsAndSecretsRefuseBadKeysAndTooMuchData(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{}).Client
	big := strings.Repeat("x", corev1.MaxSecretSize+1)
	cases := map[string]func() error{
		"a ConfigMap key with a slash": func() error {
			_, err := c.CoreV1().ConfigMaps("default").Create(ctx, cmWith("slash", map[string]string{"a/b": "1"}), metav1.CreateOptions{})
			return err
		},
		"a ConfigMap over 1 MiB": func() error {
			_, err := c.CoreV1().ConfigMaps("default").Create(ctx, cmWith("big", map[string]string{"k": big}), metav1.CreateOptions{})
			return err
		},
		"a key in both data and binaryData": func() error {
			cm := cmWith("dup", map[string]string{"k": "1"})
			cm.BinaryData = map[string][]byte{"k": []byte("2")}
			_, err := c.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{})
			return err
		},
		"a Secret key with a space, in stringData": func() error {
			_, err := c.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "space"},
				StringData: map[string]string{"a b": "1"}}, metav1.CreateOptions{})
			return err
		},
		"a Secret over 1 MiB": func() error {
			_, err := c.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "big"},
				Data: map[string][]byte{"k": []byte(big)}}, metav1.CreateOptions{})
			return err
		},
		"a TLS Secret without its key": func() error {
			_, err := c.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tls"},
				Type: corev1.SecretTypeTLS, Data: map[string][]byte{corev1.TLSCertKey: []byte("cert")}}, metav1.CreateOptions{})
			return err
		},
	}
	for name, create := range cases {
		if err := create(); !apierrors.IsInvalid(err) {
			t.Errorf("%s: %v, want 422 Invalid", name, err)
		}
	}
	cms, err := c.CoreV1().ConfigMaps("default").List(ctx, metav1.ListOptions{})
	must(t, err)
	secrets, err := c.CoreV1().Secrets("default").List(ctx, metav1.ListOptions{})
	must(t, err)
	if len(cms.Items)+len(secrets.Items) != 0 {
		t.Errorf("refused creates left %d ConfigMaps and %d Secrets", len(cms.Items), len(secrets.Items))
	}
}

func TestAnImmutableConfigMapOrSecretKeepsItsContents(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{}).Client
	cm := cmWith("frozen", map[string]string{"k": "1"})
	cm.Immutable = ptr.To(true)
	_, err := c.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{})
	must(t, err)
	_, err = c.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "frozen"},
		Data: map[string][]byte{"k": []byte("1")}, Immutable: ptr.To(true)}, metav1.CreateOptions{})
	must(t, err)

	patches := map[string]struct {
		patch string
		do    func(string) error
	}{
		"a ConfigMap's data":        {`{"data":{"k":"2"}}`, patchFrozen(ctx, c.CoreV1().ConfigMaps("default"))},
		"a ConfigMap's immutable":   {`{"immutable":false}`, patchFrozen(ctx, c.CoreV1().ConfigMaps("default"))},
		"a Secret's data":           {`{"data":{"k":"Mg=="}}`, patchFrozen(ctx, c.CoreV1().Secrets("default"))},
		"a Secret's stringData":     {`{"stringData":{"new":"x"}}`, patchFrozen(ctx, c.CoreV1().Secrets("default"))},
		"a Secret's immutable flag": {`{"immutable":null}`, patchFrozen(ctx, c.CoreV1().Secrets("default"))},
	}
	for name, p := range patches {
		err := p.do(p.patch)
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "field is immutable when `immutable` is set") {
			t.Errorf("patching %s: %v, want 422 naming the immutable field", name, err)
		}
	}
	got, err := c.CoreV1().ConfigMaps("default").Get(ctx, "frozen", metav1.GetOptions{})
	must(t, err)
	if got.Data["k"] != "1" {
		t.Errorf("the immutable ConfigMap changed: %v", got.Data)
	}
	// Labels are metadata, not contents: they may still change.
	_, err = c.CoreV1().ConfigMaps("default").Patch(ctx, "frozen", types.MergePatchType, []byte(`{"metadata":{"labels":{"a":"b"}}}`), metav1.PatchOptions{})
	must(t, err)
}

func TestOnlyKindsWithASpecCarryAGeneration(t *testing.T) {
	ctx, c := context.Background(), apiservertest.Start(t, apiservertest.Options{}).Client
	cm, err := c.CoreV1().ConfigMaps("default").Create(ctx, cmWith("plain", map[string]string{"k": "1"}), metav1.CreateOptions{})
	must(t, err)
	cm.Data["k"] = "2"
	cm, err = c.CoreV1().ConfigMaps("default").Update(ctx, cm, metav1.UpdateOptions{})
	must(t, err)
	if cm.Generation != 0 {
		t.Errorf("a ConfigMap has generation %d, want none (0): it has no spec", cm.Generation)
	}
	pod, err := c.CoreV1().Pods("default").Create(ctx, newPod("specced", nil), metav1.CreateOptions{})
	must(t, err)
	if pod.Generation != 1 {
		t.Errorf("a new pod has generation %d, want 1", pod.Generation)
	}
}

func cmWith(name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: data}
}

type patcher[T any] interface {
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (T, error)
}

// patchFrozen merge-patches the object named frozen.
func patchFrozen[T any](ctx context.Context, p patcher[T]) func(string) error {
	return func(patch string) error {
		_, err := p.Patch(ctx, "frozen", types.MergePatchType, []byte(patch), metav1.PatchOptions{})
		return err
	}
}
