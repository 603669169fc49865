package cluster

import (
	"bytes"
	"fmt"
	"net"
	"path/filepath"

	"github.com/testcontainers/testcontainers-go"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/ownkube/ownkube/components/api/serviceip"
	"github.com/ownkube/ownkube/components/kubeconfig"
	"github.com/ownkube/ownkube/components/pki"
)

// The cluster's certificates. Up makes a CA for a cluster with an API
// server and keeps it in ~/.ownkube/<name>/pki (removed by Down); each
// container that needs credentials gets them, freshly issued, copied in
// before it starts (a scratch image has no shell to fetch them):
//
//   - the API server: the CA (its --client-ca-file) and its serving
//     certificate, for its alias on the network, the `kubernetes` Service's
//     names and ClusterIP, localhost and 127.0.0.1, where it is published;
//   - the scheduler, the controller-manager and the DNS: a kubeconfig of
//     https://apiserver:6443 holding the CA and a client certificate of
//     their own user (pki.SchedulerUser …);
//   - each node: its kubelet's kubeconfig, system:node:<name> in
//     system:nodes, and its proxy's, system:kube-proxy, whose forwarders
//     authenticate with it too.
//
// The kubelet's own server (logs, port-forward, proxy, reached by the API
// server) stays plain HTTP; etcd too. Those are later steps.
const (
	// inClusterAPIServer is the API server as containers on the network
	// reach it: its alias, which its certificate names.
	inClusterAPIServer = "https://" + APIServer + ":6443"
	// containerPKIDir holds the API server's CA and serving key pair.
	containerPKIDir = "/etc/ownkube/pki"
	// containerKubeconfig is a client component's kubeconfig, and
	// containerProxyKubeconfig that of a node's proxy.
	containerKubeconfig      = "/etc/ownkube/kubeconfig"
	containerProxyKubeconfig = "/etc/ownkube/proxy.kubeconfig"
)

// pkiDir is where cluster keeps its CA: ~/.ownkube/<cluster>/pki.
func pkiDir(cluster string) (string, error) {
	dir, err := kubeconfig.Dir(cluster)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "pki"), nil
}

// makeCA makes the CA of cluster and keeps it in its directory.
func makeCA(cluster string) error {
	dir, err := pkiDir(cluster)
	if err != nil {
		return err
	}
	ca, err := pki.NewCA("ownkube-" + cluster + "-ca")
	if err != nil {
		return err
	}
	return pki.WriteCA(dir, ca)
}

// loadCA reads back the CA makeCA kept.
func loadCA(cluster string) (*pki.CA, error) {
	dir, err := pkiDir(cluster)
	if err != nil {
		return nil, err
	}
	ca, err := pki.LoadCA(dir)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w (bring it down and up again to make a new CA)", cluster, err)
	}
	return ca, nil
}

// apiServerNames are the DNS names and IPs of the API server's
// certificate. Its address on the network is Docker's pick, so not fixed:
// clients there use its alias.
func apiServerNames(plan addressPlan) ([]string, []net.IP) {
	ips := []net.IP{net.IPv4(127, 0, 0, 1)}
	if plan.ServiceCIDR.IsValid() {
		ips = append(ips, net.IP(serviceip.APIServer(plan.ServiceCIDR).AsSlice()))
	}
	return pki.APIServerNames(APIServer, ClusterDomain), ips
}

// apiServerFlags name the files apiServerFiles copies in.
func apiServerFlags() []string {
	return []string{
		"--tls-cert-file", containerPKIDir + "/apiserver.crt",
		"--tls-private-key-file", containerPKIDir + "/apiserver.key",
		"--client-ca-file", containerPKIDir + "/" + pki.CACertFile,
	}
}

func apiServerFiles(ca *pki.CA, plan addressPlan) ([]testcontainers.ContainerFile, error) {
	names, ips := apiServerNames(plan)
	serving, err := ca.ServingCert("kube-apiserver", names, ips)
	if err != nil {
		return nil, err
	}
	return []testcontainers.ContainerFile{
		file(containerPKIDir+"/"+pki.CACertFile, ca.CertPEM(), 0o644),
		file(containerPKIDir+"/apiserver.crt", serving.Cert, 0o644),
		file(containerPKIDir+"/apiserver.key", serving.Key, 0o600),
	}, nil
}

// componentUsers are the users of the client components.
var componentUsers = map[string]string{
	Scheduler:         pki.SchedulerUser,
	ControllerManager: pki.ControllerManagerUser,
	DNS:               pki.DNSUser,
}

// componentFiles are the credentials comp's container needs, if any.
func componentFiles(cfg Config, plan addressPlan, comp string) ([]testcontainers.ContainerFile, error) {
	if comp == Etcd {
		return nil, nil
	}
	ca, err := loadCA(cfg.Name)
	if err != nil {
		return nil, err
	}
	if comp == APIServer {
		return apiServerFiles(ca, plan)
	}
	user, ok := componentUsers[comp]
	if !ok {
		return nil, fmt.Errorf("cluster: no user for component %q", comp)
	}
	f, err := kubeconfigFile(cfg.Name, ca, containerKubeconfig, user)
	if err != nil {
		return nil, err
	}
	return []testcontainers.ContainerFile{f}, nil
}

// nodeFiles are the kubeconfigs of node name's kubelet and proxy.
func nodeFiles(cfg Config, name string) ([]testcontainers.ContainerFile, error) {
	ca, err := loadCA(cfg.Name)
	if err != nil {
		return nil, err
	}
	kubelet, err := kubeconfigFile(cfg.Name, ca, containerKubeconfig, pki.NodeUser(name), pki.NodesGroup)
	if err != nil {
		return nil, err
	}
	proxy, err := kubeconfigFile(cfg.Name, ca, containerProxyKubeconfig, pki.ProxyUser)
	if err != nil {
		return nil, err
	}
	return []testcontainers.ContainerFile{kubelet, proxy}, nil
}

// kubeconfigFile is a kubeconfig of the API server on the network for
// user in groups, to copy to path.
func kubeconfigFile(cluster string, ca *pki.CA, path, user string, groups ...string) (testcontainers.ContainerFile, error) {
	cfg, err := clientKubeconfig(cluster, inClusterAPIServer, ca, user, groups...)
	if err != nil {
		return testcontainers.ContainerFile{}, err
	}
	data, err := kubeconfig.Encode(cfg)
	if err != nil {
		return testcontainers.ContainerFile{}, err
	}
	return file(path, data, 0o600), nil
}

// clientKubeconfig is a kubeconfig of server for user, with a client
// certificate the CA issues now.
func clientKubeconfig(cluster, server string, ca *pki.CA, user string, groups ...string) (*clientcmdapi.Config, error) {
	kp, err := ca.ClientCert(user, groups...)
	if err != nil {
		return nil, err
	}
	return kubeconfig.New(cluster, server, &kubeconfig.Credentials{CA: ca.CertPEM(), ClientCert: kp.Cert, ClientKey: kp.Key}), nil
}

// adminKubeconfig is the user's kubeconfig: the API server where it is
// published on the host, as kubernetes-admin in system:masters.
func adminKubeconfig(cluster, server string) (*clientcmdapi.Config, error) {
	ca, err := loadCA(cluster)
	if err != nil {
		return nil, err
	}
	return clientKubeconfig(cluster, server, ca, pki.AdminUser, pki.MastersGroup)
}

func file(path string, data []byte, mode int64) testcontainers.ContainerFile {
	return testcontainers.ContainerFile{Reader: bytes.NewReader(data), ContainerFilePath: path, FileMode: mode}
}
