package api

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The rules of ConfigMaps and Secrets follow kube-apiserver's
// (pkg/apis/core/validation: ValidateConfigMap, ValidateSecret and their
// updates): keys are [-._a-zA-Z0-9]+, the values together hold at most
// corev1.MaxSecretSize (1 MiB, the size etcd is happy with), and an object
// marked immutable keeps its contents.

type configMapStrategy struct{ plainStrategy }

func (configMapStrategy) Validate(obj runtime.Object) field.ErrorList {
	cm := obj.(*corev1.ConfigMap)
	var errs field.ErrorList
	size := 0
	for key, value := range cm.Data {
		errs = append(errs, validateKey(field.NewPath("data"), key)...)
		if _, dup := cm.BinaryData[key]; dup {
			errs = append(errs, field.Invalid(field.NewPath("data").Key(key), key, "duplicate of key present in binaryData"))
		}
		size += len(value)
	}
	for key, value := range cm.BinaryData {
		errs = append(errs, validateKey(field.NewPath("binaryData"), key)...)
		size += len(value)
	}
	if size > corev1.MaxSecretSize {
		// An empty path: the limit is the whole object's, as Kubernetes says.
		errs = append(errs, field.TooLong(field.NewPath(""), "", corev1.MaxSecretSize))
	}
	return errs
}

func (configMapStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	cm, oldCM := obj.(*corev1.ConfigMap), old.(*corev1.ConfigMap)
	return validateImmutable(oldCM.Immutable, cm.Immutable,
		contents{"data", cm.Data, oldCM.Data}, contents{"binaryData", cm.BinaryData, oldCM.BinaryData})
}

type secretStrategy struct{ plainStrategy }

// Default sets the type and merges stringData into data, as Kubernetes'
// conversion of a v1 Secret does: stringData is write-only, a convenience
// for clients, and is never stored or returned.
func (secretStrategy) Default(obj runtime.Object) {
	secret := obj.(*corev1.Secret)
	setDefault(&secret.Type, corev1.SecretTypeOpaque)
	if len(secret.StringData) > 0 && secret.Data == nil {
		secret.Data = make(map[string][]byte, len(secret.StringData))
	}
	for key, value := range secret.StringData {
		secret.Data[key] = []byte(value)
	}
	secret.StringData = nil
}

func (secretStrategy) Validate(obj runtime.Object) field.ErrorList {
	secret := obj.(*corev1.Secret)
	data := field.NewPath("data")
	var errs field.ErrorList
	size := 0
	for key, value := range secret.Data {
		errs = append(errs, validateKey(data, key)...)
		size += len(value)
	}
	if size > corev1.MaxSecretSize {
		errs = append(errs, field.TooLong(data, "", corev1.MaxSecretSize))
	}
	return append(errs, validateSecretType(secret, data)...)
}

// validateSecretType checks the keys the well-known types require.
func validateSecretType(secret *corev1.Secret, data *field.Path) field.ErrorList {
	required := map[corev1.SecretType][]string{
		corev1.SecretTypeDockercfg:        {corev1.DockerConfigKey},
		corev1.SecretTypeDockerConfigJson: {corev1.DockerConfigJsonKey},
		corev1.SecretTypeSSHAuth:          {corev1.SSHAuthPrivateKey},
		corev1.SecretTypeTLS:              {corev1.TLSCertKey, corev1.TLSPrivateKeyKey},
	}[secret.Type]
	var errs field.ErrorList
	for _, key := range required {
		if _, ok := secret.Data[key]; !ok {
			errs = append(errs, field.Required(data.Key(key), ""))
		}
	}
	if secret.Type == corev1.SecretTypeBasicAuth {
		_, user := secret.Data[corev1.BasicAuthUsernameKey]
		_, pass := secret.Data[corev1.BasicAuthPasswordKey]
		if !user && !pass {
			errs = append(errs, field.Required(data.Key(corev1.BasicAuthUsernameKey), ""),
				field.Required(data.Key(corev1.BasicAuthPasswordKey), ""))
		}
	}
	if secret.Type == corev1.SecretTypeServiceAccountToken && secret.Annotations[corev1.ServiceAccountNameKey] == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "annotations").Key(corev1.ServiceAccountNameKey), ""))
	}
	return errs
}

func (secretStrategy) ValidateUpdate(obj, old runtime.Object) field.ErrorList {
	secret, oldSecret := obj.(*corev1.Secret), old.(*corev1.Secret)
	errs := apivalidation.ValidateImmutableField(secret.Type, oldSecret.Type, field.NewPath("type"))
	return append(errs, validateImmutable(oldSecret.Immutable, secret.Immutable, contents{"data", secret.Data, oldSecret.Data})...)
}

func validateKey(path *field.Path, key string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsConfigMapKey(key) {
		errs = append(errs, field.Invalid(path.Key(key), key, msg))
	}
	return errs
}

// contents is one field an immutable object may not change.
type contents struct {
	name     string
	now, was any
}

// validateImmutable refuses, once immutable was set, to unset it or to
// change any of the contents.
func validateImmutable(was, now *bool, fields ...contents) field.ErrorList {
	if was == nil || !*was {
		return nil
	}
	const msg = "field is immutable when `immutable` is set"
	var errs field.ErrorList
	if now == nil || !*now {
		errs = append(errs, field.Forbidden(field.NewPath("immutable"), msg))
	}
	for _, f := range fields {
		if !equality.Semantic.DeepEqual(f.now, f.was) { // nil and empty alike
			errs = append(errs, field.Forbidden(field.NewPath(f.name), msg))
		}
	}
	return errs
}
