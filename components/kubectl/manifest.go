package kubectl

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// Object is one object of a manifest, and the file it came from.
type Object struct {
	*unstructured.Unstructured
	Source string
}

// manifestExtensions are the files of a directory that are read, as
// kubectl reads them (not recursively).
var manifestExtensions = []string{".yaml", ".yml", ".json"}

// ReadManifests reads the objects of each path: a YAML or JSON file of one
// or more documents (separated by ---), a directory of such files, or "-"
// for stdin. The items of a List are objects of their own.
func ReadManifests(paths []string, stdin io.Reader) ([]Object, error) {
	var objs []Object
	for _, path := range paths {
		got, err := readPath(path, stdin)
		if err != nil {
			return nil, err
		}
		objs = append(objs, got...)
	}
	return objs, nil
}

func readPath(path string, stdin io.Reader) ([]Object, error) {
	if path == "-" {
		return decodeManifest(stdin, "STDIN")
	}
	info, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("the path %q does not exist", path)
	}
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return readFile(path)
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var objs []Object
	for _, e := range entries {
		if e.IsDir() || !hasManifestExtension(e.Name()) {
			continue
		}
		got, err := readFile(filepath.Join(path, e.Name()))
		if err != nil {
			return nil, err
		}
		objs = append(objs, got...)
	}
	return objs, nil
}

func hasManifestExtension(name string) bool {
	for _, ext := range manifestExtensions {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

func readFile(path string) ([]Object, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return decodeManifest(f, path)
}

// decodeManifest splits r into documents and decodes each; empty documents
// are skipped.
func decodeManifest(r io.Reader, source string) ([]Object, error) {
	dec := yaml.NewYAMLOrJSONDecoder(r, 4096)
	var objs []Object
	for {
		var doc runtime.RawExtension
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return objs, nil
		} else if err != nil {
			return nil, fmt.Errorf("error parsing %s: %w", source, err)
		}
		raw := bytes.TrimSpace(doc.Raw)
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			continue
		}
		obj, _, err := unstructured.UnstructuredJSONScheme.Decode(raw, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("error parsing %s: %w", source, err)
		}
		switch o := obj.(type) {
		case *unstructured.Unstructured:
			if err := typed(o, source); err != nil {
				return nil, err
			}
			objs = append(objs, Object{Unstructured: o, Source: source})
		case *unstructured.UnstructuredList:
			for i := range o.Items {
				if err := typed(&o.Items[i], source); err != nil {
					return nil, err
				}
				objs = append(objs, Object{Unstructured: &o.Items[i], Source: source})
			}
		default:
			return nil, fmt.Errorf("error parsing %s: unexpected %T", source, obj)
		}
	}
}

// typed refuses an object that does not say what it is, as kubectl does:
// without apiVersion and kind no resource can be found for it.
func typed(o *unstructured.Unstructured, source string) error {
	switch {
	case o.GetAPIVersion() == "":
		return fmt.Errorf("error validating %s: apiVersion not set (kind %q, name %q)", source, o.GetKind(), o.GetName())
	case o.GetKind() == "":
		return fmt.Errorf("error validating %s: kind not set (apiVersion %q, name %q)", source, o.GetAPIVersion(), o.GetName())
	}
	return nil
}
