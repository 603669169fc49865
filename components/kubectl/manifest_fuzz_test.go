package kubectl

import (
	"bytes"
	"testing"
)

// FuzzReadManifests feeds arbitrary files to the manifest reader of
// `ownkube apply -f`: it must never panic, and every object it returns
// names its kind and apiVersion, which apply needs to find the resource.
func FuzzReadManifests(f *testing.F) {
	for _, seed := range []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n",
		`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}]}`,
		"---\n---\nnull\n",
		"kind: ConfigMap\n",
		"{",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := ReadManifests([]string{"-"}, bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, o := range objs {
			if o.GetKind() == "" || o.GetAPIVersion() == "" {
				t.Fatalf("an object without kind or apiVersion: %v", o.Object)
			}
		}
	})
}
