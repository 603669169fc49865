// Package kubeconfig writes and reads the kubeconfig of an ownkube cluster,
// ~/.ownkube/<cluster>/kubeconfig, with client-go's own clientcmd, so stock
// kubectl and client-go use it unchanged.
//
// The cluster launcher (components/cluster) writes it when a cluster comes up
// and removes its directory when the cluster goes down; the e2e suite and the
// CLI's client commands load it.
package kubeconfig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Dir is the directory holding the files of cluster: ~/.ownkube/<cluster>.
func Dir(cluster string) (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("kubeconfig: %w", err)
	}
	return filepath.Join(home, ".ownkube", cluster), nil
}

// Path is the kubeconfig of cluster: ~/.ownkube/<cluster>/kubeconfig.
func Path(cluster string) (string, error) {
	dir, err := Dir(cluster)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "kubeconfig"), nil
}

// ContextName names the cluster, user and context entries of cluster's
// kubeconfig, as kind does: ownkube-<cluster>.
func ContextName(cluster string) string { return "ownkube-" + cluster }

// Credentials are what a kubeconfig holds to reach an API server that
// serves TLS and authenticates client certificates, all PEM: the CA that
// signed the server's certificate, and the user's certificate and key.
// They are embedded (certificate-authority-data, client-certificate-data,
// client-key-data), so the kubeconfig is one file to copy.
type Credentials struct {
	CA, ClientCert, ClientKey []byte
}

// New returns the kubeconfig of cluster whose API server is at server
// (https://127.0.0.1:<port>, or http:// for a server without TLS): one
// cluster entry, one user holding creds (none if nil), and one context
// joining them, set current.
func New(cluster, server string, creds *Credentials) *clientcmdapi.Config {
	name := ContextName(cluster)
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{}
	if creds != nil {
		cfg.Clusters[name].CertificateAuthorityData = creds.CA
		cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{ClientCertificateData: creds.ClientCert, ClientKeyData: creds.ClientKey}
	}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
	cfg.CurrentContext = name
	return cfg
}

// Encode is cfg as kubeconfig YAML, for a file to copy into a container.
func Encode(cfg *clientcmdapi.Config) ([]byte, error) {
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: encode: %w", err)
	}
	return data, nil
}

// Write writes cfg to path, creating its directory; the file is readable by
// its owner only, as kubectl's own are.
func Write(path string, cfg *clientcmdapi.Config) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("kubeconfig: write %s: %w", path, err)
	}
	return nil
}

// RESTConfig loads the kubeconfig at path and returns the client
// configuration of its current context.
func RESTConfig(path string) (*rest.Config, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("kubeconfig: %s does not exist: is the cluster up?", path)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: load %s: %w", path, err)
	}
	return cfg, nil
}
