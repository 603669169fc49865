package kubeconfig

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzRESTConfig feeds arbitrary files to the kubeconfig reader every
// ownkube command and the suite use: it must never panic, and a config it
// accepts names a server to talk to.
func FuzzRESTConfig(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'http://127.0.0.1:6443'}}]\n" +
		"users: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n"))
	f.Add([]byte("current-context: missing\n"))
	f.Add([]byte("{"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "kubeconfig")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := RESTConfig(path)
		if err == nil && cfg.Host == "" {
			t.Fatalf("accepted a kubeconfig naming no server:\n%s", data)
		}
	})
}
