package kubectl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadManifests(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("a.yaml", `
# two documents, and an empty one
apiVersion: v1
kind: Pod
metadata: {name: web}
---
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec: {replicas: 3}
`)
	write("b.json", `{"apiVersion":"v1","kind":"List","items":[
		{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c1"}},
		{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s1"}}]}`)
	write("notes.txt", "not a manifest")

	objs, err := ReadManifests([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.GetKind()+"/"+o.GetName()+"@"+filepath.Base(o.Source))
	}
	want := "Pod/web@a.yaml Deployment/api@a.yaml ConfigMap/c1@b.json Secret/s1@b.json"
	if strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
	if replicas := objs[1].Object["spec"].(map[string]interface{})["replicas"]; replicas != int64(3) {
		t.Errorf("replicas = %#v, want int64 3", replicas)
	}

	stdin, err := ReadManifests([]string{"-"}, strings.NewReader("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n"))
	if err != nil || len(stdin) != 1 || stdin[0].Source != "STDIN" {
		t.Errorf("stdin: %v, %v", stdin, err)
	}
}

func TestReadManifestsErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("metadata: {name: x}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		filepath.Join(dir, "missing.yaml"): "does not exist",
		bad:                                "Kind' is missing",
	} {
		if _, err := ReadManifests([]string{path}, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadManifests(%s) = %v, want an error containing %q", path, err, want)
		}
	}
}
